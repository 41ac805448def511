// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

/// @notice What a receipt call target may ask `Tasks` while it is being called.
interface ITasksCallback {
    /// @notice The secret contract and task whose receipt is making the current call; reverts outside one.
    function callbackContext() external view returns (uint256 contractId, uint256 taskId);
}

/// @title AuctionSettlement
/// @notice An example Ethereum contract fed by a secret contract: the sealed-bid auction's `close` function
/// declares a call to `settle(int64,int64)` with its public output, and the committee's receipt makes it.
/// It accepts results only from `Tasks`, during a receipt of the one secret contract it was bound to.
contract AuctionSettlement {
    ITasksCallback public immutable tasks;
    address public immutable binder;
    /// @notice The secret contract trusted to settle (0 until bound: its id exists only after its deployment,
    /// and its code names this contract, so the binding comes after both).
    uint256 public secretContractId;
    bool public settled;
    int64 public winner;
    int64 public price;
    uint256 public settledByTask;

    event Bound(uint256 secretContractId);
    event Settled(uint256 indexed taskId, int64 winner, int64 price);

    error NotBinder();
    error AlreadyBound();
    error NotTasks();
    error WrongSecretContract(uint256 contractId);
    error AlreadySettled();

    constructor(ITasksCallback tasks_) {
        tasks = tasks_;
        binder = msg.sender;
    }

    function bind(uint256 secretContractId_) external {
        if (msg.sender != binder) revert NotBinder();
        if (secretContractId != 0) revert AlreadyBound();
        secretContractId = secretContractId_;
        emit Bound(secretContractId_);
    }

    function settle(int64 winner_, int64 price_) external {
        if (msg.sender != address(tasks)) revert NotTasks();
        (uint256 contractId, uint256 taskId) = tasks.callbackContext();
        if (contractId != secretContractId || contractId == 0) revert WrongSecretContract(contractId);
        if (settled) revert AlreadySettled();
        settled = true;
        (winner, price, settledByTask) = (winner_, price_, taskId);
        emit Settled(taskId, winner_, price_);
    }
}
