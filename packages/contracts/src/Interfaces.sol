// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @notice What the other ledger contracts need from `Epochs`.
interface IEpochs {
    /// @notice The epoch the current block belongs to.
    function currentEpoch() external view returns (uint256);

    /// @notice The blocks of `epoch`: [startBlock, endBlock); endBlock is type(uint64).max while it is open.
    function epochBounds(uint256 epoch) external view returns (uint64 startBlock, uint64 endBlock);

    /// @notice The committee of `size` members for `id` in `epoch`, in selection order.
    function committeeOf(bytes32 id, uint256 epoch, uint256 size) external view returns (address[] memory);
}

/// @notice What `Epochs` needs from `NodeRegistry` to take a stake snapshot.
interface IActiveSet {
    /// @notice Logged-in nodes, each packed as (operator << 96) | stake.
    function activeEntries() external view returns (bytes32[] memory);

    /// @notice Incremented on every change of the active set or of an active node's stake.
    function activeSetVersion() external view returns (uint64);
}

/// @notice What `Tasks` needs from `SecretContracts`.
interface ISecretContractLedger {
    /// @notice Committee size and activation epoch of a secret contract; reverts for an unknown id.
    function committeeParams(uint256 id) external view returns (uint8 n, uint8 t, uint32 activeFromEpoch);

    /// @notice The commitment to a secret contract's current state; reverts for an unknown id.
    function stateCommitmentOf(uint256 id) external view returns (bytes32);

    /// @notice Records `count` more state transitions ending in `commitment` (only `Tasks` may call).
    function recordState(uint256 id, uint256 count, bytes32 commitment) external;
}
