// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title SnapshotStore
/// @notice Stores an epoch's stake snapshot as the code of a data-only contract ("SSTORE2"): writing costs
/// 200 gas per byte instead of 20,000 per 32-byte slot, and reading is one EXTCODECOPY instead of a cold SLOAD
/// per node. The code starts with a STOP byte so that calling the data contract does nothing.
library SnapshotStore {
    error SnapshotWriteFailed();
    error SnapshotTooLarge(uint256 count);

    /// @notice Most entries one data contract holds: (24,576-byte code limit - 1) / 32.
    uint256 internal constant MAX_ENTRIES = 767;

    /// @notice Deploys `entries` as code; returns the data contract (zero for an empty snapshot).
    function write(bytes32[] memory entries) internal returns (address pointer) {
        uint256 count = entries.length;
        if (count == 0) return address(0);
        if (count > MAX_ENTRIES) revert SnapshotTooLarge(count);
        uint256 dataSize = count * 32 + 1; // STOP byte + entries
        assembly ("memory-safe") {
            // Init code (10 bytes) followed by the runtime (STOP + entries), laid out in fresh memory:
            //   PUSH2 dataSize, DUP1, PUSH1 0x0a, RETURNDATASIZE(0), CODECOPY, RETURNDATASIZE(0), RETURN
            // copies the code after the 10-byte header into memory and returns it as the runtime code.
            let code := mload(0x40)
            mstore8(code, 0x61)
            mstore8(add(code, 1), shr(8, dataSize))
            mstore8(add(code, 2), and(dataSize, 0xff))
            mstore8(add(code, 3), 0x80)
            mstore8(add(code, 4), 0x60)
            mstore8(add(code, 5), 0x0a)
            mstore8(add(code, 6), 0x3d)
            mstore8(add(code, 7), 0x39)
            mstore8(add(code, 8), 0x3d)
            mstore8(add(code, 9), 0xf3)
            mstore8(add(code, 10), 0x00) // runtime byte 0: STOP
            mcopy(add(code, 11), add(entries, 0x20), mul(count, 32))
            pointer := create(0, code, add(dataSize, 10))
        }
        if (pointer == address(0)) revert SnapshotWriteFailed();
    }

    /// @notice Reads back the entries stored at `pointer` (`count` of them).
    function read(address pointer, uint256 count) internal view returns (bytes32[] memory entries) {
        entries = new bytes32[](count);
        if (count == 0) return entries;
        assembly ("memory-safe") {
            extcodecopy(pointer, add(entries, 0x20), 1, mul(count, 32))
        }
    }
}
