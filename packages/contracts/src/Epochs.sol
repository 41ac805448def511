// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {CommitteeSelection} from "./CommitteeSelection.sol";
import {IActiveSet, IEpochs} from "./Interfaces.sol";
import {SnapshotStore} from "./SnapshotStore.sol";

/// @title Epochs
/// @notice The network's clock: every `epochLength` blocks anyone may advance the epoch, which fixes a new seed
/// and a snapshot of the logged-in nodes and their stakes. Committees are drawn from (seed, snapshot).
/// @dev Epoch e + 1 begins in the block after the one that advanced to it, so every block belongs to exactly one
/// epoch, including the block of the `advanceEpoch` transaction (it still belongs to e).
/// Randomness: seed(e + 1) = keccak256(abi.encode(seed(e), block.prevrandao, e + 1)). prevrandao is biasable:
/// a block proposer can withhold its block (one bit of bias per slot it controls) and whoever calls
/// `advanceEpoch` chooses the block, i.e. picks among the prevrandao values of the blocks it is willing to wait
/// for. See the package README for what that means for committee capture and how to harden it.
contract Epochs is IEpochs {
    /// @notice Blocks per epoch (the minimum; an epoch lasts until someone advances it).
    uint256 public immutable epochLength;
    /// @notice The registry whose active set is snapshotted.
    IActiveSet public immutable registry;

    struct EpochRecord {
        bytes32 seed;
        address snapshot; // SnapshotStore data contract, zero for an empty snapshot
        uint96 totalStake;
        uint64 startBlock;
        uint32 nodeCount;
    }

    EpochRecord[] private _epochs;
    uint64 private _snapshotVersion;

    event EpochAdvanced(
        uint256 indexed epoch, bytes32 seed, uint256 startBlock, uint256 nodeCount, uint256 totalStake, address snapshot
    );

    error ZeroAddress();
    error InvalidEpochLength();
    error EpochNotOver(uint256 epoch, uint256 endsAtBlock);
    error UnknownEpoch(uint256 epoch);

    /// @param registry_ The node registry to snapshot.
    /// @param epochLength_ Blocks per epoch (at least 1).
    constructor(IActiveSet registry_, uint256 epochLength_) {
        if (address(registry_) == address(0)) revert ZeroAddress();
        if (epochLength_ == 0 || epochLength_ > type(uint32).max) revert InvalidEpochLength();
        registry = registry_;
        epochLength = epochLength_;
        // Epoch 0 has no nodes: a fresh network must advance once after its nodes have logged in.
        bytes32 seed = keccak256(abi.encode(block.chainid, address(this), block.prevrandao));
        _epochs.push(EpochRecord(seed, address(0), 0, uint64(block.number), 0));
        _snapshotVersion = registry_.activeSetVersion();
        emit EpochAdvanced(0, seed, block.number, 0, 0, address(0));
    }

    /// @notice Starts the next epoch: new seed, snapshot of the logged-in nodes. Anyone may call it once the
    /// current epoch has lasted `epochLength` blocks.
    /// @return epoch The new epoch's number (it begins in the next block).
    function advanceEpoch() external returns (uint256 epoch) {
        uint256 last = _epochs.length - 1;
        EpochRecord storage previous = _epochs[last];
        uint256 endsAt = uint256(previous.startBlock) + epochLength;
        if (block.number < endsAt) revert EpochNotOver(last, endsAt);
        epoch = last + 1;
        bytes32 seed = keccak256(abi.encode(previous.seed, block.prevrandao, epoch));

        address snapshot = previous.snapshot;
        uint96 totalStake = previous.totalStake;
        uint32 nodeCount = previous.nodeCount;
        uint64 version = registry.activeSetVersion();
        // Most epochs change nothing in the active set: then the previous snapshot is shared, not copied.
        if (version != _snapshotVersion) {
            bytes32[] memory entries = registry.activeEntries();
            uint256 total = 0;
            for (uint256 i = 0; i < entries.length; ++i) {
                total += uint96(uint256(entries[i]));
            }
            snapshot = SnapshotStore.write(entries);
            totalStake = SafeCast.toUint96(total);
            nodeCount = uint32(entries.length);
            _snapshotVersion = version;
        }
        uint64 startBlock = uint64(block.number + 1);
        _epochs.push(EpochRecord(seed, snapshot, totalStake, startBlock, nodeCount));
        emit EpochAdvanced(epoch, seed, startBlock, nodeCount, totalStake, snapshot);
    }

    // ----- views -----

    /// @inheritdoc IEpochs
    function currentEpoch() public view returns (uint256) {
        uint256 last = _epochs.length - 1;
        // The latest epoch begins in the block after its advanceEpoch transaction.
        return block.number < _epochs[last].startBlock ? last - 1 : last;
    }

    /// @notice Number of epochs recorded so far (the latest may begin in the next block).
    function epochCount() external view returns (uint256) {
        return _epochs.length;
    }

    /// @notice First block at which `advanceEpoch` may be called.
    function nextAdvanceBlock() external view returns (uint256) {
        return uint256(_epochs[_epochs.length - 1].startBlock) + epochLength;
    }

    /// @inheritdoc IEpochs
    function epochBounds(uint256 epoch) external view returns (uint64 startBlock, uint64 endBlock) {
        EpochRecord storage record = _record(epoch);
        startBlock = record.startBlock;
        endBlock = epoch + 1 < _epochs.length ? _epochs[epoch + 1].startBlock : type(uint64).max;
    }

    /// @notice Seed, start block, node count and total stake of `epoch`.
    /// @param epoch The epoch number.
    function epochInfo(uint256 epoch)
        external
        view
        returns (bytes32 seed, uint256 startBlock, uint256 nodeCount, uint256 totalStake)
    {
        EpochRecord storage record = _record(epoch);
        return (record.seed, record.startBlock, record.nodeCount, record.totalStake);
    }

    /// @notice The seed of `epoch`.
    /// @param epoch The epoch number.
    function seedOf(uint256 epoch) external view returns (bytes32) {
        return _record(epoch).seed;
    }

    /// @notice The stake snapshot of `epoch`: operators and stakes in snapshot order (the order selection walks).
    /// @param epoch The epoch number.
    function snapshotOf(uint256 epoch) external view returns (address[] memory operators, uint256[] memory stakes) {
        EpochRecord storage record = _record(epoch);
        bytes32[] memory entries = SnapshotStore.read(record.snapshot, record.nodeCount);
        operators = new address[](entries.length);
        stakes = new uint256[](entries.length);
        for (uint256 i = 0; i < entries.length; ++i) {
            operators[i] = address(uint160(uint256(entries[i]) >> 96));
            stakes[i] = uint96(uint256(entries[i]));
        }
    }

    /// @inheritdoc IEpochs
    /// @dev For a secret contract, id = bytes32(contractId); for stored data, id = the data pointer.
    function committeeOf(bytes32 id, uint256 epoch, uint256 size) external view returns (address[] memory) {
        EpochRecord storage record = _record(epoch);
        bytes32[] memory entries = SnapshotStore.read(record.snapshot, record.nodeCount);
        return CommitteeSelection.selectFromEntries(record.seed, id, entries, size);
    }

    /// @notice The stake walk on arbitrary stakes (for verification and test vectors): indices in draw order.
    /// @param seed The epoch seed.
    /// @param id The committee's id.
    /// @param stakes Stakes in snapshot order; none may be zero.
    /// @param size Committee size, at most stakes.length.
    function select(bytes32 seed, bytes32 id, uint256[] calldata stakes, uint256 size)
        external
        pure
        returns (uint256[] memory)
    {
        return CommitteeSelection.select(seed, id, stakes, size);
    }

    function _record(uint256 epoch) private view returns (EpochRecord storage) {
        if (epoch >= _epochs.length) revert UnknownEpoch(epoch);
        return _epochs[epoch];
    }
}
