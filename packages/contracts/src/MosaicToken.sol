// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MosaicToken (MOS)
/// @notice The network's ERC-20: stakes, task fees and storage fees are paid in MOS.
/// @dev Fixed supply of 150,000,000 MOS (18 decimals), minted once to the deployer. No mint, no burn, no admin.
contract MosaicToken is ERC20 {
    /// @notice The whole supply, in the smallest unit (150,000,000 * 10^18).
    uint256 public constant TOTAL_SUPPLY = 150_000_000 * 1e18;

    constructor() ERC20("Mosaic", "MOS") {
        _mint(msg.sender, TOTAL_SUPPLY);
    }
}
