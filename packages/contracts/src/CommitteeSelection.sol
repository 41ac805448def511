// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @title CommitteeSelection
/// @notice Enigma's stake walk: draw r = uint256(keccak256(abi.encode(seed, id, nonce))) % totalStake for
/// nonce = 0, 1, 2, ...; walk the nodes in snapshot order subtracting stakes until r falls inside one; skip a node
/// already chosen; stop at `size` distinct members. Members come back in draw order (member k gets share point k+1).
/// @dev The walk is done as a binary search over prefix sums, which picks exactly the node the linear walk picks
/// (the first i with stake[0] + ... + stake[i] > r). The TypeScript mirror is `selectCommittee` in src/selection.ts.
library CommitteeSelection {
    error EmptyCommittee();
    error CommitteeTooLarge(uint256 size, uint256 nodes);
    error ZeroStake(uint256 index);

    /// @notice Indices (into `stakes`) of the committee for `id` under `seed`.
    function select(bytes32 seed, bytes32 id, uint256[] memory stakes, uint256 size)
        internal
        pure
        returns (uint256[] memory)
    {
        uint256 count = stakes.length;
        _checkSize(size, count);
        uint256[] memory cumulative = new uint256[](count);
        uint256 total = 0;
        for (uint256 i = 0; i < count; ++i) {
            uint256 stake = stakes[i];
            if (stake == 0) revert ZeroStake(i);
            total += stake;
            cumulative[i] = total;
        }
        return _walk(seed, id, cumulative, total, size);
    }

    /// @notice Members (operators) of the committee for `id`, from packed snapshot entries (operator << 96 | stake).
    function selectFromEntries(bytes32 seed, bytes32 id, bytes32[] memory entries, uint256 size)
        internal
        pure
        returns (address[] memory members)
    {
        uint256 count = entries.length;
        _checkSize(size, count);
        uint256[] memory cumulative = new uint256[](count);
        uint256 total = 0;
        for (uint256 i = 0; i < count; ++i) {
            uint256 stake = uint96(uint256(entries[i]));
            if (stake == 0) revert ZeroStake(i);
            total += stake;
            cumulative[i] = total;
        }
        uint256[] memory picked = _walk(seed, id, cumulative, total, size);
        members = new address[](size);
        for (uint256 k = 0; k < size; ++k) {
            members[k] = address(uint160(uint256(entries[picked[k]]) >> 96));
        }
    }

    function _checkSize(uint256 size, uint256 count) private pure {
        if (size == 0) revert EmptyCommittee();
        if (size > count) revert CommitteeTooLarge(size, count);
    }

    function _walk(bytes32 seed, bytes32 id, uint256[] memory cumulative, uint256 total, uint256 size)
        private
        pure
        returns (uint256[] memory picked)
    {
        picked = new uint256[](size);
        uint256[] memory chosen = new uint256[]((cumulative.length + 255) >> 8); // bitmap of picked indices
        uint256 found = 0;
        uint256 buffer;
        assembly ("memory-safe") {
            // Scratch for abi.encode(seed, id, nonce): reused for every draw instead of allocating per draw.
            buffer := mload(0x40)
            mstore(0x40, add(buffer, 0x60))
            mstore(buffer, seed)
            mstore(add(buffer, 0x20), id)
        }
        for (uint256 nonce = 0; found < size; ++nonce) {
            uint256 r;
            assembly ("memory-safe") {
                mstore(add(buffer, 0x40), nonce)
                r := mod(keccak256(buffer, 0x60), total)
            }
            uint256 index = _firstAbove(cumulative, r);
            uint256 bit = 1 << (index & 255);
            uint256 word = chosen[index >> 8];
            if (word & bit != 0) continue;
            chosen[index >> 8] = word | bit;
            picked[found] = index;
            unchecked {
                ++found;
            }
        }
    }

    /// @dev The first index whose prefix sum exceeds r (r < total, so one exists).
    function _firstAbove(uint256[] memory cumulative, uint256 r) private pure returns (uint256 low) {
        uint256 high = cumulative.length - 1;
        while (low < high) {
            uint256 mid = (low + high) >> 1;
            if (cumulative[mid] > r) high = mid;
            else low = mid + 1;
        }
    }
}
