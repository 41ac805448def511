// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IEpochs} from "./Interfaces.sol";
import {PrepaidBalances} from "./PrepaidBalances.sol";

/// @title DataRegistry
/// @notice The ZNP15 data model on chain: compound identities (owner, service), Taccess (the data types a
/// service may use; setting again replaces, so it also revokes), Tdata (a pointer derived from the owner and the
/// data's SHA-256, with its owner, type and size), and storage fees per byte and epoch, prepaid from the owner's balance. The data itself never comes here:
/// it is secret-shared to the storage committee `Epochs.committeeOf(pointer, epoch, size)`.
/// @dev Data types are numbered 0..255 by the applications; a permission is a 256-bit mask of them.
contract DataRegistry is Ownable, PrepaidBalances {
    /// @notice The epoch clock (storage is paid per epoch).
    IEpochs public immutable epochs;
    /// @notice Storage fee, in MOS (smallest unit) per byte per epoch.
    uint256 public storageFeePerByteEpoch;
    /// @notice Receives storage fees (credited to its balance here); it pays the storage committees.
    address public feeRecipient;

    struct Identity {
        bytes32 identityKey; // public key of the shared (owner, service) identity; zero = not registered
        uint256 dataTypes; // Taccess: bit k set = the service may use data of type k
    }

    struct DataRecord {
        address owner;
        uint8 dataType;
        uint64 size;
        uint64 storedAtEpoch;
        uint64 paidThroughEpoch; // last epoch covered by the fees paid
    }

    mapping(address owner => mapping(address service => Identity)) private _identities;
    mapping(bytes32 pointer => DataRecord) private _data;
    event IdentityRegistered(address indexed owner, address indexed service, bytes32 identityKey);
    event AccessSet(address indexed owner, address indexed service, uint256 dataTypes);
    event DataStored(
        bytes32 indexed pointer, address indexed owner, uint8 dataType, uint64 size, uint256 paidThroughEpoch, uint256 fee
    );
    event StorageExtended(bytes32 indexed pointer, uint256 paidThroughEpoch, uint256 fee);
    event StorageFeeSet(uint256 feePerByteEpoch);
    event FeeRecipientSet(address feeRecipient);

    error InvalidIdentityKey();
    error IdentityAlreadyRegistered(address owner, address service);
    error IdentityNotRegistered(address owner, address service);
    error InvalidPointer();
    error PointerExists(bytes32 pointer);
    error UnknownPointer(bytes32 pointer);
    error NotDataOwner(bytes32 pointer, address caller);
    error FeeAboveMax(uint256 fee, uint256 maxFee);

    /// @param token_ The fee token (MOS).
    /// @param epochs_ The epoch clock.
    /// @param feePerByteEpoch Initial storage fee per byte and epoch.
    /// @param feeRecipient_ Receives the storage fees.
    /// @param owner_ May change the fee and its recipient.
    constructor(IERC20 token_, IEpochs epochs_, uint256 feePerByteEpoch, address feeRecipient_, address owner_)
        Ownable(owner_)
        PrepaidBalances(token_)
    {
        if (address(epochs_) == address(0) || feeRecipient_ == address(0)) revert ZeroAddress();
        epochs = epochs_;
        storageFeePerByteEpoch = feePerByteEpoch;
        feeRecipient = feeRecipient_;
    }

    // ----- administration -----

    /// @notice Sets the storage fee for data stored or extended from now on.
    /// @param feePerByteEpoch MOS (smallest unit) per byte per epoch.
    function setStorageFee(uint256 feePerByteEpoch) external onlyOwner {
        storageFeePerByteEpoch = feePerByteEpoch;
        emit StorageFeeSet(feePerByteEpoch);
    }

    /// @notice Sets who receives storage fees from now on.
    /// @param feeRecipient_ The new recipient.
    function setFeeRecipient(address feeRecipient_) external onlyOwner {
        if (feeRecipient_ == address(0)) revert ZeroAddress();
        feeRecipient = feeRecipient_;
        emit FeeRecipientSet(feeRecipient_);
    }

    // ----- balances: deposit and withdraw (PrepaidBalances) hold prepaid storage fees and the recipient's fees -----

    // ----- identities and access (Taccess) -----

    /// @notice Registers the compound identity (sender, service), keyed by the identity's own public key.
    /// @param service The service's address.
    /// @param identityKey Public key of the shared (owner, service) identity.
    function registerIdentity(address service, bytes32 identityKey) external {
        if (service == address(0)) revert ZeroAddress();
        if (identityKey == bytes32(0)) revert InvalidIdentityKey();
        Identity storage identity = _identities[msg.sender][service];
        if (identity.identityKey != bytes32(0)) revert IdentityAlreadyRegistered(msg.sender, service);
        identity.identityKey = identityKey;
        emit IdentityRegistered(msg.sender, service, identityKey);
    }

    /// @notice Taccess: sets the data types `service` may use, replacing the previous set (0 revokes all).
    /// @param service The service's address (its compound identity with the sender must be registered).
    /// @param dataTypes Bit k set = data of type k may be used.
    function setAccess(address service, uint256 dataTypes) external {
        Identity storage identity = _identities[msg.sender][service];
        if (identity.identityKey == bytes32(0)) revert IdentityNotRegistered(msg.sender, service);
        identity.dataTypes = dataTypes;
        emit AccessSet(msg.sender, service, dataTypes);
    }

    // ----- data (Tdata) -----

    /// @notice Tdata: records a data pointer owned by the sender and prepays its storage for `epochCount` epochs
    /// (the current one included) at size x epochCount x storageFeePerByteEpoch. The pointer is derived from the
    /// sender and the content hash (`pointerOf`), so nobody can register a pointer that another owner will use.
    /// @param contentHash SHA-256 of the stored (encrypted) data.
    /// @param dataType The application's data type number.
    /// @param size Size of the data in bytes.
    /// @param epochCount Epochs of storage to prepay (at least 1).
    /// @param maxFee The most the sender pays: the store reverts rather than pay more (the fee may have been raised
    /// since the sender read it).
    /// @return pointer keccak256(abi.encode(sender, contentHash)).
    function storeData(bytes32 contentHash, uint8 dataType, uint64 size, uint64 epochCount, uint256 maxFee)
        external
        returns (bytes32 pointer)
    {
        if (contentHash == bytes32(0)) revert InvalidPointer();
        if (size == 0 || epochCount == 0) revert ZeroAmount();
        pointer = pointerOf(msg.sender, contentHash);
        DataRecord storage record = _data[pointer];
        if (record.owner != address(0)) revert PointerExists(pointer);
        uint256 epoch = epochs.currentEpoch();
        uint256 fee = _charge(size, epochCount, maxFee);
        uint64 paidThrough = uint64(epoch + epochCount - 1);
        _data[pointer] = DataRecord(msg.sender, dataType, size, uint64(epoch), paidThrough);
        emit DataStored(pointer, msg.sender, dataType, size, paidThrough, fee);
    }

    /// @notice Prepays `epochCount` more epochs of storage for the sender's data (from the later of the current
    /// epoch and the end of what was paid).
    /// @param pointer The data pointer.
    /// @param epochCount Epochs to add (at least 1).
    /// @param maxFee The most the sender pays: the extension reverts rather than pay more.
    function extendStorage(bytes32 pointer, uint64 epochCount, uint256 maxFee) external {
        if (epochCount == 0) revert ZeroAmount();
        DataRecord storage record = _data[pointer];
        if (record.owner == address(0)) revert UnknownPointer(pointer);
        if (record.owner != msg.sender) revert NotDataOwner(pointer, msg.sender);
        uint256 epoch = epochs.currentEpoch();
        uint256 fee = _charge(record.size, epochCount, maxFee);
        uint256 from = record.paidThroughEpoch >= epoch ? uint256(record.paidThroughEpoch) + 1 : epoch;
        uint64 paidThrough = uint64(from + epochCount - 1);
        record.paidThroughEpoch = paidThrough;
        emit StorageExtended(pointer, paidThrough, fee);
    }

    // ----- views -----

    /// @notice Whether `requester` may use the data at `pointer`: its owner always (while storage is paid); a
    /// service when its compound identity with the owner is registered and allows the data's type.
    /// @param requester The owner or a service.
    /// @param pointer The data pointer.
    function canAccess(address requester, bytes32 pointer) external view returns (bool) {
        DataRecord storage record = _data[pointer];
        if (record.owner == address(0)) return false;
        if (epochs.currentEpoch() > record.paidThroughEpoch) return false;
        if (requester == record.owner) return true;
        return _identities[record.owner][requester].dataTypes & (1 << record.dataType) != 0;
    }

    /// @notice The compound identity (owner, service): its key (zero if unregistered) and allowed data types.
    /// @param owner The data owner.
    /// @param service The service.
    function identityOf(address owner, address service) external view returns (bytes32 identityKey, uint256 dataTypes) {
        Identity storage identity = _identities[owner][service];
        return (identity.identityKey, identity.dataTypes);
    }

    /// @notice The record of a data pointer.
    /// @param pointer The data pointer.
    function dataOf(bytes32 pointer) external view returns (DataRecord memory) {
        DataRecord memory record = _data[pointer];
        if (record.owner == address(0)) revert UnknownPointer(pointer);
        return record;
    }

    /// @notice The pointer `owner`'s data with SHA-256 `contentHash` is stored under.
    /// @param owner The data owner.
    /// @param contentHash SHA-256 of the stored (encrypted) data.
    function pointerOf(address owner, bytes32 contentHash) public pure returns (bytes32) {
        return keccak256(abi.encode(owner, contentHash));
    }

    /// @notice The fee for storing `size` bytes for `epochCount` epochs at the current rate.
    /// @param size Bytes.
    /// @param epochCount Epochs.
    function storageCost(uint256 size, uint256 epochCount) public view returns (uint256) {
        return size * epochCount * storageFeePerByteEpoch;
    }

    function _charge(uint256 size, uint256 epochCount, uint256 maxFee) private returns (uint256 fee) {
        fee = storageCost(size, epochCount);
        if (fee > maxFee) revert FeeAboveMax(fee, maxFee);
        uint256 balance = balanceOf[msg.sender];
        if (balance < fee) revert InsufficientBalance(balance, fee);
        unchecked {
            balanceOf[msg.sender] = balance - fee;
        }
        balanceOf[feeRecipient] += fee;
    }
}
