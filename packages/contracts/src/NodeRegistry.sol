// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IActiveSet, IEpochs} from "./Interfaces.sol";

/// @title NodeRegistry
/// @notice Secret nodes: their keys, their MOS stake, login/logout, unbonding and slashing.
/// @dev The operator's Ethereum account is the node's identity: `register` is sent by it, so the transaction
/// signature is the operator's signature over the keys. Logged-in nodes are kept in a packed array
/// ((operator << 96) | stake, one slot each) so that `Epochs` can snapshot them with one read per node.
/// Timeline: a node that logs out in epoch e still serves the committees of e (it is in e's snapshot), e + 1 is
/// its full unbonding epoch (misbehaviour in e can still be proven and slashed), and it may withdraw from e + 2.
contract NodeRegistry is IActiveSet, Ownable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Minimum stake to log in: 25,000 MOS.
    uint256 public constant MIN_STAKE = 25_000 * 1e18;
    /// @notice Longest accepted libp2p peer id (bytes of its multihash).
    uint256 public constant MAX_PEER_ID_LENGTH = 128;
    /// @notice Epochs a logged-out node waits, after the epoch of its logout, before it may withdraw.
    uint256 public constant UNBONDING_EPOCHS = 1;
    /// @notice Most logged-in nodes at once: bounds `advanceEpoch` gas and fits one snapshot data contract.
    uint256 public constant MAX_ACTIVE_NODES = 767;

    /// @notice The staking token (MOS).
    IERC20 public immutable token;
    /// @notice The epoch clock, set once after deployment (the two contracts refer to each other).
    IEpochs public epochs;
    /// @inheritdoc IActiveSet
    uint64 public activeSetVersion;

    struct Node {
        bytes32 x25519PublicKey;
        uint96 stake;
        uint64 withdrawableFromEpoch;
        uint32 activeIndex; // 1-based position in _active; 0 while logged out
        bool registered;
        bytes peerId;
    }

    /// @notice A node as the views return it.
    struct NodeInfo {
        bool registered;
        bool loggedIn;
        bytes32 x25519PublicKey;
        bytes peerId;
        uint256 stake;
        uint256 withdrawableFromEpoch;
    }

    mapping(address operator => Node) private _nodes;
    mapping(bytes32 peerIdHash => address operator) private _operatorByPeerId;
    mapping(address slasher => bool) public isSlasher;
    bytes32[] private _active;

    event NodeRegistered(address indexed operator, bytes32 x25519PublicKey, bytes peerId);
    event Deposited(address indexed operator, uint256 amount, uint256 stake);
    event LoggedIn(address indexed operator, uint256 epoch, uint256 stake);
    event LoggedOut(address indexed operator, uint256 epoch, uint256 withdrawableFromEpoch);
    event Withdrawn(address indexed operator, uint256 amount, uint256 stake);
    event Slashed(address indexed operator, address indexed slasher, uint256 amount, address recipient);
    event SlasherSet(address indexed slasher, bool allowed);
    event EpochsSet(address epochs);

    error ZeroAddress();
    error ZeroAmount();
    error EpochsAlreadySet();
    error EpochsNotSet();
    error AlreadyRegistered(address operator);
    error NotRegistered(address operator);
    error InvalidX25519Key();
    error InvalidPeerId();
    error PeerIdTaken(address operator);
    error StakeBelowMinimum(uint256 stake, uint256 minimum);
    error AlreadyLoggedIn(address operator);
    error NotLoggedIn(address operator);
    error StillLoggedIn(address operator);
    error Unbonding(uint256 currentEpoch, uint256 withdrawableFromEpoch);
    error InsufficientStake(uint256 requested, uint256 available);
    error NotSlasher(address caller);
    error ActiveSetFull(uint256 maximum);

    /// @param token_ The staking token (MOS).
    /// @param owner_ May set the epoch clock once and manage the slasher allowlist.
    constructor(IERC20 token_, address owner_) Ownable(owner_) {
        if (address(token_) == address(0)) revert ZeroAddress();
        token = token_;
    }

    /// @notice Sets the epoch clock; callable once, by the owner.
    /// @param epochs_ The `Epochs` contract that snapshots this registry.
    function setEpochs(IEpochs epochs_) external onlyOwner {
        if (address(epochs_) == address(0)) revert ZeroAddress();
        if (address(epochs) != address(0)) revert EpochsAlreadySet();
        epochs = epochs_;
        emit EpochsSet(address(epochs_));
    }

    /// @notice Allows or disallows a contract to slash stakes (contracts that hold proof of misbehaviour).
    /// @param slasher The contract.
    /// @param allowed Whether it may call `slash`.
    function setSlasher(address slasher, bool allowed) external onlyOwner {
        if (slasher == address(0)) revert ZeroAddress();
        isSlasher[slasher] = allowed;
        emit SlasherSet(slasher, allowed);
    }

    /// @notice Registers the sender as a node operator with its keys.
    /// @param x25519PublicKey The node's X25519 public key, to which clients seal secret shares.
    /// @param peerId The node's libp2p peer id (multihash bytes); unique across nodes.
    function register(bytes32 x25519PublicKey, bytes calldata peerId) external {
        Node storage node = _nodes[msg.sender];
        if (node.registered) revert AlreadyRegistered(msg.sender);
        if (x25519PublicKey == bytes32(0)) revert InvalidX25519Key();
        if (peerId.length == 0 || peerId.length > MAX_PEER_ID_LENGTH) revert InvalidPeerId();
        bytes32 peerIdHash = keccak256(peerId);
        address holder = _operatorByPeerId[peerIdHash];
        if (holder != address(0)) revert PeerIdTaken(holder);
        _operatorByPeerId[peerIdHash] = msg.sender;
        node.registered = true;
        node.x25519PublicKey = x25519PublicKey;
        node.peerId = peerId;
        emit NodeRegistered(msg.sender, x25519PublicKey, peerId);
    }

    /// @notice Adds `amount` MOS (approved beforehand) to the sender's stake.
    /// @param amount Amount in the token's smallest unit.
    function deposit(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        Node storage node = _nodes[msg.sender];
        if (!node.registered) revert NotRegistered(msg.sender);
        uint96 stake = SafeCast.toUint96(node.stake + amount);
        node.stake = stake;
        if (node.activeIndex != 0) _updateActiveEntry(node.activeIndex, msg.sender, stake);
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit Deposited(msg.sender, amount, stake);
    }

    /// @notice Joins the active set from the next epoch snapshot on; needs a stake of at least `MIN_STAKE`.
    function login() external {
        Node storage node = _nodes[msg.sender];
        if (!node.registered) revert NotRegistered(msg.sender);
        if (node.activeIndex != 0) revert AlreadyLoggedIn(msg.sender);
        if (node.stake < MIN_STAKE) revert StakeBelowMinimum(node.stake, MIN_STAKE);
        if (_active.length >= MAX_ACTIVE_NODES) revert ActiveSetFull(MAX_ACTIVE_NODES);
        uint256 epoch = _currentEpoch();
        _active.push(_entry(msg.sender, node.stake));
        node.activeIndex = uint32(_active.length);
        unchecked {
            ++activeSetVersion;
        }
        emit LoggedIn(msg.sender, epoch, node.stake);
    }

    /// @notice Leaves the active set; the stake unbonds for one full epoch after the current one.
    function logout() external {
        Node storage node = _nodes[msg.sender];
        if (node.activeIndex == 0) revert NotLoggedIn(msg.sender);
        _deactivate(msg.sender, node);
    }

    /// @notice Withdraws `amount` of the sender's stake once logged out and unbonded.
    /// @param amount Amount in the token's smallest unit.
    function withdraw(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        Node storage node = _nodes[msg.sender];
        if (!node.registered) revert NotRegistered(msg.sender);
        if (node.activeIndex != 0) revert StillLoggedIn(msg.sender);
        uint256 epoch = _currentEpoch();
        if (epoch < node.withdrawableFromEpoch) revert Unbonding(epoch, node.withdrawableFromEpoch);
        if (amount > node.stake) revert InsufficientStake(amount, node.stake);
        unchecked {
            node.stake -= uint96(amount);
        }
        token.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount, node.stake);
    }

    /// @notice Takes up to `amount` of `operator`'s stake and sends it to `recipient`; only allowlisted slashers.
    /// @dev A node left below `MIN_STAKE` is logged out (and unbonds like any logout).
    /// @param operator The misbehaving node.
    /// @param amount The most to take; capped at the node's stake.
    /// @param recipient Receives the slashed MOS (a reporter reward or a treasury, as the slasher decides).
    /// @return slashed The amount actually taken.
    function slash(address operator, uint256 amount, address recipient) external nonReentrant returns (uint256 slashed) {
        if (!isSlasher[msg.sender]) revert NotSlasher(msg.sender);
        if (amount == 0) revert ZeroAmount();
        if (recipient == address(0)) revert ZeroAddress();
        Node storage node = _nodes[operator];
        if (!node.registered) revert NotRegistered(operator);
        slashed = amount < node.stake ? amount : node.stake;
        if (slashed == 0) revert InsufficientStake(amount, 0);
        uint96 stake = node.stake - uint96(slashed);
        node.stake = stake;
        if (node.activeIndex != 0) {
            if (stake < MIN_STAKE) _deactivate(operator, node);
            else _updateActiveEntry(node.activeIndex, operator, stake);
        }
        token.safeTransfer(recipient, slashed);
        emit Slashed(operator, msg.sender, slashed, recipient);
    }

    // ----- views -----

    /// @notice A node's registration, keys, stake and status.
    /// @param operator The node's operator address.
    function nodeOf(address operator) public view returns (NodeInfo memory info) {
        Node storage node = _nodes[operator];
        info.registered = node.registered;
        info.loggedIn = node.activeIndex != 0;
        info.x25519PublicKey = node.x25519PublicKey;
        info.peerId = node.peerId;
        info.stake = node.stake;
        info.withdrawableFromEpoch = node.withdrawableFromEpoch;
    }

    /// @notice The node with libp2p peer id `peerId` (operator is zero when none is registered).
    /// @param peerId The libp2p peer id bytes.
    function nodeByPeerId(bytes calldata peerId) external view returns (address operator, NodeInfo memory info) {
        operator = _operatorByPeerId[keccak256(peerId)];
        info = nodeOf(operator);
    }

    /// @notice The X25519 key and peer id of a node, by operator address.
    /// @param operator The node's operator address.
    function keysOf(address operator) external view returns (bytes32 x25519PublicKey, bytes memory peerId) {
        Node storage node = _nodes[operator];
        if (!node.registered) revert NotRegistered(operator);
        return (node.x25519PublicKey, node.peerId);
    }

    /// @notice Number of logged-in nodes.
    function activeCount() external view returns (uint256) {
        return _active.length;
    }

    /// @notice Logged-in nodes and their stakes, in active-set order.
    function activeSet() external view returns (address[] memory operators, uint256[] memory stakes) {
        uint256 count = _active.length;
        operators = new address[](count);
        stakes = new uint256[](count);
        for (uint256 i = 0; i < count; ++i) {
            bytes32 entry = _active[i];
            operators[i] = address(uint160(uint256(entry) >> 96));
            stakes[i] = uint96(uint256(entry));
        }
    }

    /// @inheritdoc IActiveSet
    function activeEntries() external view returns (bytes32[] memory) {
        return _active;
    }

    // ----- internals -----

    function _deactivate(address operator, Node storage node) private {
        uint256 index = node.activeIndex - 1;
        uint256 last = _active.length - 1;
        if (index != last) {
            bytes32 moved = _active[last];
            _active[index] = moved;
            _nodes[address(uint160(uint256(moved) >> 96))].activeIndex = uint32(index + 1);
        }
        _active.pop();
        node.activeIndex = 0;
        uint256 epoch = _currentEpoch();
        uint256 withdrawableFrom = epoch + 1 + UNBONDING_EPOCHS;
        node.withdrawableFromEpoch = uint64(withdrawableFrom);
        unchecked {
            ++activeSetVersion;
        }
        emit LoggedOut(operator, epoch, withdrawableFrom);
    }

    function _updateActiveEntry(uint32 activeIndex, address operator, uint96 stake) private {
        _active[activeIndex - 1] = _entry(operator, stake);
        unchecked {
            ++activeSetVersion;
        }
    }

    function _currentEpoch() private view returns (uint256) {
        IEpochs clock = epochs;
        if (address(clock) == address(0)) revert EpochsNotSet();
        return clock.currentEpoch();
    }

    function _entry(address operator, uint96 stake) private pure returns (bytes32) {
        return bytes32((uint256(uint160(operator)) << 96) | stake);
    }
}
