// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title PrepaidBalances
/// @notice Internal balances in the fee token (MOS): an account deposits, the contract that inherits this one
/// debits and credits `balanceOf` (fees, escrows, refunds, earnings), and an account withdraws what it holds.
/// Tasks and DataRegistry each keep their own balances on this base.
abstract contract PrepaidBalances is ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The fee token (MOS).
    IERC20 public immutable token;

    /// @notice Each account's balance here, withdrawable.
    mapping(address account => uint256) public balanceOf;

    event Deposited(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);

    error ZeroAddress();
    error ZeroAmount();
    error InsufficientBalance(uint256 available, uint256 required);

    /// @param token_ The fee token (MOS).
    constructor(IERC20 token_) {
        if (address(token_) == address(0)) revert ZeroAddress();
        token = token_;
    }

    /// @notice Adds `amount` MOS (approved beforehand) to the sender's balance.
    /// @param amount Amount in the token's smallest unit.
    function deposit(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        balanceOf[msg.sender] += amount;
        token.safeTransferFrom(msg.sender, address(this), amount);
        emit Deposited(msg.sender, amount);
    }

    /// @notice Withdraws `amount` from the sender's balance.
    /// @param amount Amount in the token's smallest unit.
    function withdraw(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 balance = balanceOf[msg.sender];
        if (balance < amount) revert InsufficientBalance(balance, amount);
        unchecked {
            balanceOf[msg.sender] = balance - amount;
        }
        token.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }
}
