// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @notice The part of an ERC-20 (MOS) the marketplace uses.
interface IERC20Minimal {
    function transfer(address to, uint256 amount) external returns (bool);
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
}

/// @notice What a receipt call target may ask `Tasks` (see AuctionSettlement in @mosaic/contracts).
interface ITasksMarketplace {
    function callbackContext() external view returns (uint256 contractId, uint256 taskId);
    function taskTimeoutBlocks() external view returns (uint256);
}

/// @title Marketplace
/// @notice The data-marketplace example's escrow: a buyer opens an order naming the sellers whose stored data the
/// statistic will use and escrows `price` MOS per seller; the secret contract's receipt calls `settle(order)`
/// (its public output) in the transaction that commits it, and the escrow goes to the sellers then. A run that is
/// skipped (a seller revoked the grant, a pointer is wrong) has no successful receipt, hence no call: nobody is
/// paid, and the buyer takes the escrow back with `refund` once the order has expired.
contract Marketplace {
    /// @notice Sellers per order, at most: `settle` pays them inside the receipt call's 300,000 gas.
    uint256 public constant MAX_SELLERS = 8;

    IERC20Minimal public immutable token;
    ITasksMarketplace public immutable tasks;
    address public immutable binder;
    /// @notice The secret contract whose receipts may settle orders (0 until bound: its code names this contract,
    /// so its id exists only after this deployment).
    uint256 public secretContractId;

    enum State {
        None,
        Open,
        Paid,
        Refunded
    }

    struct Order {
        address buyer;
        State state;
        uint64 expiresAt;
        uint256 price;
        uint256 paidByTask;
        address[] sellers;
    }

    mapping(uint256 => Order) private _orders;
    uint256 public orderCount;

    event Bound(uint256 secretContractId);
    event Opened(uint256 indexed order, address indexed buyer, address[] sellers, uint256 price, uint64 expiresAt);
    event Settled(uint256 indexed order, uint256 indexed taskId, uint256 total);
    event Refunded(uint256 indexed order, uint256 total);

    error NotBinder();
    error AlreadyBound();
    error BadSellers(uint256 count);
    error TooShort(uint256 ttlBlocks, uint256 minimum);
    error TransferFailed();
    error NotTasks();
    error WrongSecretContract(uint256 contractId);
    error NotOpen(uint256 order);
    error NotBuyer();
    error NotExpired(uint256 expiresAt);

    constructor(IERC20Minimal token_, ITasksMarketplace tasks_) {
        token = token_;
        tasks = tasks_;
        binder = msg.sender;
    }

    function bind(uint256 secretContractId_) external {
        if (msg.sender != binder) revert NotBinder();
        if (secretContractId != 0) revert AlreadyBound();
        secretContractId = secretContractId_;
        emit Bound(secretContractId_);
    }

    /// @notice Escrows `price` x sellers MOS from the sender (approve first). The order stays payable until paid
    /// or refunded; it is refundable after `ttlBlocks`, at least the task time-out, so that a task created right
    /// after the order has the whole time-out to land its receipt.
    function open(address[] calldata sellers, uint256 price, uint256 ttlBlocks) external returns (uint256 order) {
        if (sellers.length == 0 || sellers.length > MAX_SELLERS) revert BadSellers(sellers.length);
        uint256 minimum = tasks.taskTimeoutBlocks();
        if (ttlBlocks < minimum) revert TooShort(ttlBlocks, minimum);
        order = ++orderCount;
        Order storage o = _orders[order];
        (o.buyer, o.state, o.expiresAt, o.price, o.sellers) =
            (msg.sender, State.Open, uint64(block.number + ttlBlocks), price, sellers);
        if (!token.transferFrom(msg.sender, address(this), price * sellers.length)) revert TransferFailed();
        emit Opened(order, msg.sender, sellers, price, o.expiresAt);
    }

    /// @notice The receipt call of the bound secret contract: pays every seller of `order` its price.
    function settle(int64 order) external {
        if (msg.sender != address(tasks)) revert NotTasks();
        (uint256 contractId, uint256 taskId) = tasks.callbackContext();
        if (contractId != secretContractId || contractId == 0) revert WrongSecretContract(contractId);
        uint256 id = uint256(uint64(order));
        Order storage o = _orders[id];
        if (order <= 0 || o.state != State.Open) revert NotOpen(id);
        (o.state, o.paidByTask) = (State.Paid, taskId);
        uint256 count = o.sellers.length;
        for (uint256 i = 0; i < count; ++i) {
            if (!token.transfer(o.sellers[i], o.price)) revert TransferFailed();
        }
        emit Settled(id, taskId, o.price * count);
    }

    /// @notice The buyer takes back the escrow of an order no receipt paid, once it has expired.
    function refund(uint256 order) external {
        Order storage o = _orders[order];
        if (o.state != State.Open) revert NotOpen(order);
        if (msg.sender != o.buyer) revert NotBuyer();
        if (block.number <= o.expiresAt) revert NotExpired(o.expiresAt);
        o.state = State.Refunded;
        uint256 total = o.price * o.sellers.length;
        if (!token.transfer(o.buyer, total)) revert TransferFailed();
        emit Refunded(order, total);
    }

    function orderOf(uint256 order)
        external
        view
        returns (address buyer, State state, uint64 expiresAt, uint256 price, uint256 paidByTask, address[] memory sellers)
    {
        Order storage o = _orders[order];
        return (o.buyer, o.state, o.expiresAt, o.price, o.paidByTask, o.sellers);
    }
}
