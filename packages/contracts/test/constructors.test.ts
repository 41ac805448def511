// Constructor guards and the registry's use before its epoch clock is set: revert paths that the deployed
// fixture cannot reach.
import { after, before, describe, it } from 'node:test';
import { type Abi, type Address, encodeDeployData, type Hex, zeroAddress } from 'viem';
import {
  dataRegistryAbi,
  dataRegistryBytecode,
  epochsAbi,
  epochsBytecode,
  MIN_STAKE,
  nodeRegistryAbi,
  nodeRegistryBytecode,
  secretContractsAbi,
  secretContractsBytecode,
  tasksAbi,
  tasksBytecode,
} from '../src/index.js';
import { type Contract, expectRevert, startChain, type TestChain } from './fixture.js';

describe('constructor guards', () => {
  let chain: TestChain;
  before(async () => {
    chain = await startChain();
  });
  after(async () => {
    await chain?.stop();
  });

  /** Simulates a deployment with eth_call: the revert data of the constructor comes back without a transaction. */
  function deployCall(abi: Abi, bytecode: Hex, args: readonly unknown[]) {
    const data = encodeDeployData({ abi, bytecode, args } as never);
    return chain.publicClient.call({ account: chain.deployer, data });
  }

  it('Epochs refuses a zero registry and an epoch length of 0 or above 2^32 - 1', async () => {
    const registry = chain.c.nodeRegistry.address;
    await expectRevert(deployCall(epochsAbi, epochsBytecode, [zeroAddress, 20n]), 'ZeroAddress');
    await expectRevert(deployCall(epochsAbi, epochsBytecode, [registry, 0n]), 'InvalidEpochLength');
    await expectRevert(deployCall(epochsAbi, epochsBytecode, [registry, 2n ** 32n]), 'InvalidEpochLength');
  });

  it('NodeRegistry, SecretContracts, Tasks and DataRegistry refuse zero addresses', async () => {
    const a = chain.deployment.addresses;
    await expectRevert(
      deployCall(nodeRegistryAbi, nodeRegistryBytecode, [zeroAddress, chain.deployer.address]),
      'ZeroAddress',
    );
    await expectRevert(
      deployCall(secretContractsAbi, secretContractsBytecode, [zeroAddress, chain.deployer.address]),
      'ZeroAddress',
    );
    await expectRevert(
      deployCall(tasksAbi, tasksBytecode, [zeroAddress, a.secretContracts, a.epochs, 50n, 1n, chain.deployer.address]),
      'ZeroAddress',
    );
    await expectRevert(
      deployCall(tasksAbi, tasksBytecode, [a.token, zeroAddress, a.epochs, 50n, 1n, chain.deployer.address]),
      'ZeroAddress',
    );
    await expectRevert(
      deployCall(tasksAbi, tasksBytecode, [a.token, a.secretContracts, zeroAddress, 50n, 1n, chain.deployer.address]),
      'ZeroAddress',
    );
    await expectRevert(
      deployCall(dataRegistryAbi, dataRegistryBytecode, [
        zeroAddress,
        a.epochs,
        1n,
        chain.deployer.address,
        chain.deployer.address,
      ]),
      'ZeroAddress',
    );
  });

  it('a registry whose epoch clock is not set refuses login with EpochsNotSet', async () => {
    const hash = await chain.walletOf(chain.deployer).deployContract({
      abi: nodeRegistryAbi,
      bytecode: nodeRegistryBytecode,
      args: [chain.c.token.address, chain.deployer.address],
      account: chain.deployer,
      chain: null,
    });
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    const registry: Contract = { address: receipt.contractAddress as Address, abi: chain.c.nodeRegistry.abi };
    const operator = await chain.newAccount('no-clock');
    await chain.send(operator, registry, 'register', [`0x${'11'.repeat(32)}`, '0x0024080112201111']);
    await chain.send(chain.deployer, chain.c.token, 'transfer', [operator.address, MIN_STAKE]);
    await chain.send(operator, chain.c.token, 'approve', [registry.address, MIN_STAKE]);
    await chain.send(operator, registry, 'deposit', [MIN_STAKE]);
    await expectRevert(
      chain.publicClient.simulateContract({
        address: registry.address,
        abi: registry.abi,
        functionName: 'login',
        account: operator,
      }),
      'EpochsNotSet',
    );
  });
});
