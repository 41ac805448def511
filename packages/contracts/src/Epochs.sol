// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {CommitteeSelection} from "./CommitteeSelection.sol";
import {IActiveSet, IEpochs} from "./Interfaces.sol";
import {SnapshotStore} from "./SnapshotStore.sol";

/// @title Epochs
/// @notice The network's clock. Every `epochLength` blocks the next epoch is opened in two steps, each open to
/// anyone through `advanceEpoch`: first a snapshot of the logged-in nodes and their stakes is fixed, then, at
/// least `SEED_DELAY` blocks later, the seed is drawn from that later block's `prevrandao`. Committees are
/// drawn from (seed, snapshot).
/// @dev Why two steps: when one transaction fixed both the stakes and the seed, a staker could vary its deposit
/// by 1 wei inside that transaction (or a block it builds), recompute committees for each value and keep the
/// one that seats its nodes: committee capture by grinding. Now the stakes are fixed before the randomness
/// exists. prevrandao of block B + 1 is the RANDAO mix after block B's reveal, so whoever knows it while
/// building the snapshot block B must propose every block from B to B + SEED_DELAY - 1 (their reveals are
/// their BLS signatures, known to them only). The residual bias, stated in bits in docs/contracts.md:
///  - the proposer of the seed block may withhold it (the draw moves to the next block): one more candidate
///    seed per consecutive slot it controls, log2(k + 1) bits for k slots;
///  - while nobody else calls, the first caller picks one of the at most `SEED_WINDOW` blocks of the window:
///    at most log2(SEED_WINDOW) = 3 bits. After the window the seed step retakes the snapshot and waits again,
///    so waiting longer only stalls the network, it never widens the choice for one snapshot.
/// Epoch e + 1 begins in the block after the one that drew its seed, so every block belongs to exactly one
/// epoch, including the blocks of both steps (they still belong to e).
contract Epochs is IEpochs {
    /// @notice Blocks between the snapshot and the first block whose prevrandao may seed the epoch.
    uint256 public constant SEED_DELAY = 4;
    /// @notice Blocks from the first seed block during which the seed may be drawn from a snapshot.
    uint256 public constant SEED_WINDOW = 8;

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

    /// @dev The next epoch's snapshot, taken and waiting for its seed block; seedBlock == 0 when none is.
    struct PendingSnapshot {
        address snapshot;
        uint96 totalStake;
        uint64 seedBlock;
        uint32 nodeCount;
    }

    EpochRecord[] private _epochs;
    PendingSnapshot private _pending;
    uint64 private _snapshotVersion;

    /// @notice The stakes of `epoch` are fixed; its seed comes from block `seedBlock` (or a later one of the window).
    event EpochSnapshotted(
        uint256 indexed epoch, uint256 seedBlock, uint256 nodeCount, uint256 totalStake, address snapshot
    );
    event EpochAdvanced(
        uint256 indexed epoch, bytes32 seed, uint256 startBlock, uint256 nodeCount, uint256 totalStake, address snapshot
    );

    error ZeroAddress();
    error InvalidEpochLength();
    error EpochNotOver(uint256 epoch, uint256 endsAtBlock);
    error SeedNotReady(uint256 epoch, uint256 seedBlock);
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

    /// @notice Takes the next step towards the next epoch; anyone may call it once the current epoch has lasted
    /// `epochLength` blocks. Step 1 fixes the snapshot of the logged-in nodes and their stakes; step 2, from
    /// `SEED_DELAY` blocks later, draws the seed and starts the epoch in the next block. A step 2 after the
    /// window of `SEED_WINDOW` blocks takes a fresh snapshot instead (step 1 again).
    /// @return epoch The number of the epoch being opened (it begins in the block after step 2).
    function advanceEpoch() external returns (uint256 epoch) {
        uint256 last = _epochs.length - 1;
        epoch = last + 1;
        uint256 seedBlock = _pending.seedBlock;
        if (seedBlock == 0 || block.number >= seedBlock + SEED_WINDOW) {
            uint256 endsAt = uint256(_epochs[last].startBlock) + epochLength;
            if (block.number < endsAt) revert EpochNotOver(last, endsAt);
            _snapshot(epoch);
            return epoch;
        }
        if (block.number < seedBlock) revert SeedNotReady(epoch, seedBlock);
        PendingSnapshot memory pending = _pending;
        delete _pending;
        bytes32 seed = keccak256(abi.encode(_epochs[last].seed, block.prevrandao, epoch));
        uint64 startBlock = uint64(block.number + 1);
        _epochs.push(EpochRecord(seed, pending.snapshot, pending.totalStake, startBlock, pending.nodeCount));
        emit EpochAdvanced(epoch, seed, startBlock, pending.nodeCount, pending.totalStake, pending.snapshot);
    }

    /// @dev Step 1: fixes the active set for `epoch`, sharing the latest snapshot when nothing changed.
    function _snapshot(uint256 epoch) private {
        // The latest snapshot taken: an expired pending one, else the current epoch's.
        address snapshot;
        uint96 totalStake;
        uint32 nodeCount;
        if (_pending.seedBlock != 0) {
            (snapshot, totalStake, nodeCount) = (_pending.snapshot, _pending.totalStake, _pending.nodeCount);
        } else {
            EpochRecord storage latest = _epochs[_epochs.length - 1];
            (snapshot, totalStake, nodeCount) = (latest.snapshot, latest.totalStake, latest.nodeCount);
        }
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
        uint64 seedBlock = uint64(block.number + SEED_DELAY);
        _pending = PendingSnapshot(snapshot, totalStake, seedBlock, nodeCount);
        emit EpochSnapshotted(epoch, seedBlock, nodeCount, totalStake, snapshot);
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

    /// @notice First block at which `advanceEpoch` may take its next step: the end of the current epoch, or the
    /// seed block of a pending snapshot.
    function nextAdvanceBlock() external view returns (uint256) {
        uint256 seedBlock = _pending.seedBlock;
        if (seedBlock != 0 && block.number < seedBlock + SEED_WINDOW) return seedBlock;
        return uint256(_epochs[_epochs.length - 1].startBlock) + epochLength;
    }

    /// @notice The pending snapshot of the next epoch: its seed block (0 when there is none or its window has
    /// passed) and its active set's size and total stake.
    function pendingSnapshot() external view returns (uint256 seedBlock, uint256 nodeCount, uint256 totalStake) {
        PendingSnapshot memory pending = _pending;
        if (pending.seedBlock == 0 || block.number >= pending.seedBlock + SEED_WINDOW) return (0, 0, 0);
        return (pending.seedBlock, pending.nodeCount, pending.totalStake);
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
