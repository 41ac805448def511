// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IEpochs, ISecretContractLedger} from "./Interfaces.sol";

/// @title SecretContracts
/// @notice The record of every secret contract: owner, code hash, committee parameters (n, t), and the version
/// and commitment of its secret-shared state (advanced by `Tasks` when receipts are committed).
/// @dev Contract ids are sequential (1, 2, ...); the committee of contract `id` in epoch e is
/// `Epochs.committeeOf(bytes32(id), e, n)`. A contract becomes usable in the epoch after its deployment, whose
/// seed was unknown when the id was assigned: nobody can pick an id to land a chosen committee.
contract SecretContracts is ISecretContractLedger, Ownable {
    /// @notice Largest committee a contract may ask for (bounds signature checks per receipt batch).
    uint256 public constant MAX_COMMITTEE_SIZE = 64;

    /// @notice The epoch clock.
    IEpochs public immutable epochs;
    /// @notice The only contract allowed to record state transitions, set once by the owner.
    address public tasks;
    /// @notice Number of contracts deployed; also the latest id.
    uint256 public contractCount;

    struct Record {
        address owner;
        uint8 n;
        uint8 t;
        uint32 activeFromEpoch;
        uint48 stateVersion;
        bytes32 codeHash;
        bytes32 stateCommitment;
    }

    mapping(uint256 id => Record) private _contracts;

    event ContractDeployed(
        uint256 indexed id, address indexed owner, bytes32 codeHash, uint8 n, uint8 t, uint256 activeFromEpoch
    );
    event StateCommitted(uint256 indexed id, uint256 version, bytes32 commitment);
    event TasksSet(address tasks);

    error ZeroAddress();
    error TasksAlreadySet();
    error NotTasks(address caller);
    error InvalidCodeHash();
    error InvalidCommittee(uint256 n, uint256 t);
    error UnknownContract(uint256 id);

    /// @param epochs_ The epoch clock.
    /// @param owner_ May set the `Tasks` contract once.
    constructor(IEpochs epochs_, address owner_) Ownable(owner_) {
        if (address(epochs_) == address(0)) revert ZeroAddress();
        epochs = epochs_;
    }

    /// @notice Sets the `Tasks` contract; callable once, by the owner.
    /// @param tasks_ The Tasks contract.
    function setTasks(address tasks_) external onlyOwner {
        if (tasks_ == address(0)) revert ZeroAddress();
        if (tasks != address(0)) revert TasksAlreadySet();
        tasks = tasks_;
        emit TasksSet(tasks_);
    }

    /// @notice Registers a secret contract; the sender becomes its owner.
    /// @param codeHash keccak256 of the contract's canonical IR bytes.
    /// @param n Committee size.
    /// @param t Corruption threshold: secrecy holds while at most t members collude; needs 1 <= t and 2t+1 <= n.
    /// @return id The new contract id, usable from the next epoch on.
    function deploy(bytes32 codeHash, uint8 n, uint8 t) external returns (uint256 id) {
        if (codeHash == bytes32(0)) revert InvalidCodeHash();
        if (t == 0 || 2 * uint256(t) + 1 > n || n > MAX_COMMITTEE_SIZE) revert InvalidCommittee(n, t);
        uint256 activeFromEpoch = epochs.currentEpoch() + 1;
        id = ++contractCount;
        _contracts[id] = Record({
            owner: msg.sender,
            n: n,
            t: t,
            activeFromEpoch: uint32(activeFromEpoch),
            stateVersion: 0,
            codeHash: codeHash,
            stateCommitment: bytes32(0)
        });
        emit ContractDeployed(id, msg.sender, codeHash, n, t, activeFromEpoch);
    }

    /// @inheritdoc ISecretContractLedger
    function recordState(uint256 id, uint256 count, bytes32 commitment) external {
        if (msg.sender != tasks) revert NotTasks(msg.sender);
        Record storage record = _contracts[id];
        if (record.owner == address(0)) revert UnknownContract(id);
        uint48 version = record.stateVersion + uint48(count);
        record.stateVersion = version;
        record.stateCommitment = commitment;
        emit StateCommitted(id, version, commitment);
    }

    // ----- views -----

    /// @inheritdoc ISecretContractLedger
    function committeeParams(uint256 id) external view returns (uint8 n, uint8 t, uint32 activeFromEpoch) {
        Record storage record = _contracts[id];
        if (record.owner == address(0)) revert UnknownContract(id);
        return (record.n, record.t, record.activeFromEpoch);
    }

    /// @notice The full record of contract `id`.
    /// @param id The contract id.
    /// @inheritdoc ISecretContractLedger
    function stateCommitmentOf(uint256 id) external view returns (bytes32) {
        Record storage record = _contracts[id];
        if (record.owner == address(0)) revert UnknownContract(id);
        return record.stateCommitment;
    }

    function contractOf(uint256 id) external view returns (Record memory) {
        Record memory record = _contracts[id];
        if (record.owner == address(0)) revert UnknownContract(id);
        return record;
    }
}
