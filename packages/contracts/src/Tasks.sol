// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.28;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {IEpochs, ISecretContractLedger} from "./Interfaces.sol";
import {PrepaidBalances} from "./PrepaidBalances.sol";

/// @title Tasks
/// @notice Task records, prepaid fee balances, batched receipts signed by a committee majority, payouts, refunds.
/// @dev Gas design. A task costs one storage write besides the caller's balance: the tasks of a contract form a
/// queue whose records are chained, head(k + 1) = bytes24(keccak256(abi.encode(head(k), record k))), and only the
/// latest head and count are stored (one slot per contract, rewritten by every createTask). The full record is in
/// the TaskCreated event. commitReceipts takes the records of the batch back as calldata and proves them by
/// recomputing the chain from the last committed head to a stored head (the latest, or a checkpoint stored every
/// CHECKPOINT_INTERVAL tasks or on request, so that a batch need not race new tasks). Receipts are committed in
/// queue order, which is the order the committee runs them in; a task's status is derived from the queue counters
/// and a refund bitmap. Fees and refunds are credited to internal balances, withdrawn by their owners.
/// A task pays at least `minGasPrice` per gas unit, which the owner sets within [1, MAX_MIN_GAS_PRICE]: a task ties
/// up its contract's committee (a stateful contract's queue waits for its bundle), so it is never free.
contract Tasks is EIP712, Ownable, PrepaidBalances {

    /// @notice A task as created; the tuple hashed into the queue chain.
    struct TaskRecord {
        address caller;
        bytes4 fn;
        bytes32 bundleHash;
        uint64 gasLimit;
        uint128 gasPrice;
        uint64 createdBlock;
    }

    /// @notice What committee members sign for each task (EIP-712 type `Receipt`).
    struct Receipt {
        uint256 taskId;
        uint8 status;
        bytes32 outputHash;
        bytes publicOutput;
        bytes32 stateCommitment;
        uint64 gasUsed;
        // The Ethereum call the function's code declares for its public output (zero address: none). It is made
        // in the commit transaction with calldata callSelector ++ publicOutput (the ABI-encoded output tuple).
        address callTarget;
        bytes4 callSelector;
    }

    enum TaskStatus {
        Unknown,
        Pending,
        Receipted,
        Refunded
    }

    struct QueueEnd {
        uint64 count;
        bytes24 head;
    }

    struct Queue {
        QueueEnd tip; // tasks created
        QueueEnd done; // tasks receipted (refunded ones included once a batch has passed them)
    }

    /// @notice Receipt status: the function ran; its fee is gasUsed x gasPrice.
    uint8 public constant STATUS_SUCCESS = 1;
    /// @notice Receipt status: the function failed (e.g. out of gas), or its bundle never reached the committee (the
    /// caller held the queue up: the whole escrow is charged, gasUsed = gasLimit); its fee is gasUsed x gasPrice.
    uint8 public constant STATUS_FAILURE = 2;
    /// @notice Receipt status: the committee did not run the task (invalid bundle, or refunded); no fee.
    uint8 public constant STATUS_SKIPPED = 3;
    /// @notice Gas forwarded to a receipt's Ethereum call. The commit reverts rather than start a call with less, so
    /// a relayer cannot make a callback fail by sending too little gas.
    uint256 public constant CALLBACK_GAS = 300_000;
    /// @notice A checkpoint head is stored every this many tasks of a contract.
    uint256 public constant CHECKPOINT_INTERVAL = 32;
    /// @notice The highest minimum gas price the owner may set (MOS smallest units per gas unit): a bound on how far
    /// the owner can price callers out.
    uint128 public constant MAX_MIN_GAS_PRICE = 1e12;

    bytes32 public constant RECEIPT_TYPEHASH = keccak256(
        "Receipt(uint256 taskId,uint8 status,bytes32 outputHash,bytes publicOutput,bytes32 stateCommitment,uint64 gasUsed,address callTarget,bytes4 callSelector)"
    );
    bytes32 public constant RECEIPT_BATCH_TYPEHASH = keccak256(
        "ReceiptBatch(uint256 contractId,uint256 epoch,Receipt[] receipts)Receipt(uint256 taskId,uint8 status,bytes32 outputHash,bytes publicOutput,bytes32 stateCommitment,uint64 gasUsed,address callTarget,bytes4 callSelector)"
    );

    /// @notice The secret contract ledger.
    ISecretContractLedger public immutable secretContracts;
    /// @notice The epoch clock and committee source.
    IEpochs public immutable epochs;
    /// @notice Blocks after its creation block at which an unreceipted task becomes refundable.
    uint256 public immutable taskTimeoutBlocks;
    /// @notice The lowest gas price createTask accepts (MOS smallest units per gas unit; at least 1).
    uint128 public minGasPrice;

    mapping(uint256 contractId => Queue) private _queues;
    mapping(uint256 contractId => mapping(uint256 count => bytes24 head)) private _checkpoints;
    mapping(uint256 contractId => mapping(uint256 word => uint256 bits)) private _refunded;
    /// @dev taskId + 1 of the receipt whose Ethereum call is running (0: none), for `callbackContext`.
    uint256 private transient _callbackTask;

    event TaskCreated(
        uint256 indexed taskId,
        uint256 indexed contractId,
        address indexed caller,
        bytes4 fn,
        bytes32 bundleHash,
        uint64 gasLimit,
        uint128 gasPrice
    );
    event TaskReceipted(uint256 indexed taskId, uint8 status, uint64 gasUsed, bytes32 outputHash, bytes publicOutput);
    event ReceiptsCommitted(
        uint256 indexed contractId,
        uint256 indexed epoch,
        uint256 firstTaskId,
        uint256 count,
        bytes32 digest,
        uint256 fees,
        address[] signers
    );
    /// @notice A receipt's Ethereum call was made; `success` is false if the target reverted (the receipt stands).
    event TaskCallback(uint256 indexed taskId, address indexed target, bytes4 selector, bool success);
    event TaskRefunded(uint256 indexed taskId, address indexed caller, uint256 amount);
    event Checkpointed(uint256 indexed contractId, uint256 count, bytes24 head);
    event MinGasPriceSet(uint128 minGasPrice);

    error ZeroGasLimit();
    error GasPriceBelowMinimum(uint256 gasPrice, uint256 minGasPrice);
    error MinGasPriceOutOfBounds(uint256 minGasPrice, uint256 lowest, uint256 highest);
    error UnknownContract(uint256 id);
    error ContractNotActive(uint256 id, uint256 activeFromEpoch);
    error UnknownEpoch(uint256 epoch);
    error EmptyBatch();
    error MissingTaskRecords(uint256 receipts, uint256 records);
    error UnknownTask(uint256 taskId);
    error TaskAlreadyReceipted(uint256 taskId);
    error UnexpectedTask(uint256 expected, uint256 got);
    error InvalidReceiptStatus(uint256 taskId, uint8 status);
    error GasUsedAboveLimit(uint256 taskId, uint256 gasUsed, uint256 gasLimit);
    error WrongEpoch(uint256 taskId, uint256 epoch);
    error TaskRecordsMismatch();
    error NotEnoughSignatures(uint256 got, uint256 needed);
    error NotCommitteeMember(address signer);
    error DuplicateSigner(address signer);
    error NothingToRefund();
    error NothingToCheckpoint(uint256 contractId);
    error InsufficientCallbackGas(uint256 taskId);
    error NoCallback();

    /// @param token_ The fee token (MOS).
    /// @param secretContracts_ The secret contract ledger (it must name this contract as its `tasks`).
    /// @param epochs_ The epoch clock.
    /// @param taskTimeoutBlocks_ Blocks after creation after which an unreceipted task is refundable.
    /// @param minGasPrice_ The initial minimum gas price, in [1, MAX_MIN_GAS_PRICE].
    /// @param owner_ May change the minimum gas price within its bounds.
    constructor(
        IERC20 token_,
        ISecretContractLedger secretContracts_,
        IEpochs epochs_,
        uint256 taskTimeoutBlocks_,
        uint128 minGasPrice_,
        address owner_
    ) EIP712("Mosaic Tasks", "1") Ownable(owner_) PrepaidBalances(token_) {
        if (address(secretContracts_) == address(0) || address(epochs_) == address(0)) revert ZeroAddress();
        if (taskTimeoutBlocks_ == 0) revert ZeroAmount();
        secretContracts = secretContracts_;
        epochs = epochs_;
        taskTimeoutBlocks = taskTimeoutBlocks_;
        _setMinGasPrice(minGasPrice_);
    }

    // ----- administration -----

    /// @notice Sets the lowest gas price createTask accepts from now on (tasks already created keep theirs).
    /// @param minGasPrice_ MOS (smallest unit) per gas unit, in [1, MAX_MIN_GAS_PRICE].
    function setMinGasPrice(uint128 minGasPrice_) external onlyOwner {
        _setMinGasPrice(minGasPrice_);
    }

    // ----- balances: deposit and withdraw (PrepaidBalances) hold prepaid fees, earned fees and refunds -----

    // ----- tasks -----

    /// @notice Records a task and escrows gasLimit x gasPrice from the sender's prepaid balance.
    /// @param contractId The secret contract to call (must be active: deployed before the current epoch).
    /// @param fn The function selector within the secret contract.
    /// @param bundleHash Hash of the task bundle (sealed input shares) sent to the committee.
    /// @param gasLimit Most gas units the committee may charge.
    /// @param gasPrice MOS (smallest unit) per gas unit, at least `minGasPrice`.
    /// @return taskId (contractId << 64) | position of the task in the contract's queue.
    function createTask(uint256 contractId, bytes4 fn, bytes32 bundleHash, uint64 gasLimit, uint128 gasPrice)
        external
        returns (uint256 taskId)
    {
        if (gasLimit == 0) revert ZeroGasLimit();
        uint128 minimum = minGasPrice;
        if (gasPrice < minimum) revert GasPriceBelowMinimum(gasPrice, minimum);
        uint256 escrow = uint256(gasLimit) * gasPrice;
        uint256 balance = balanceOf[msg.sender];
        if (balance < escrow) revert InsufficientBalance(balance, escrow);
        unchecked {
            balanceOf[msg.sender] = balance - escrow;
        }
        Queue storage queue = _queues[contractId];
        QueueEnd memory tip = queue.tip;
        // Only a contract's first task needs the external checks: once active, a contract stays active.
        if (tip.count == 0) _requireActive(contractId);
        bytes24 head = _link(tip.head, msg.sender, fn, bundleHash, gasLimit, gasPrice, uint64(block.number));
        uint64 count = tip.count + 1;
        queue.tip = QueueEnd(count, head);
        if (count % CHECKPOINT_INTERVAL == 0) _checkpoints[contractId][count] = head;
        taskId = (contractId << 64) | tip.count;
        emit TaskCreated(taskId, contractId, msg.sender, fn, bundleHash, gasLimit, gasPrice);
    }

    /// @notice Stores the contract's current queue head as a checkpoint, so that a receipt batch or refund can
    /// prove records up to here even after more tasks arrive. Anyone may call it.
    /// @param contractId The secret contract.
    function checkpoint(uint256 contractId) external {
        QueueEnd memory tip = _queues[contractId].tip;
        if (tip.count == 0 || _checkpoints[contractId][tip.count] != bytes24(0)) {
            revert NothingToCheckpoint(contractId);
        }
        _checkpoints[contractId][tip.count] = tip.head;
        emit Checkpointed(contractId, tip.count, tip.head);
    }

    /// @notice Commits the receipts of the next tasks of a contract, signed (EIP-712 `ReceiptBatch`) by more
    /// than n/2 distinct members of the contract's committee in `epoch`. Pays gasUsed x gasPrice per task to the
    /// signers, refunds the rest of each escrow to its caller, and advances the contract's state.
    /// @param contractId The secret contract.
    /// @param epoch The epoch every receipted task was created in (refunded tasks excepted).
    /// @param tasks Records of the tasks from the first unreceipted one on (from TaskCreated events): at least one
    /// per receipt, possibly more, up to the latest task or a checkpoint, to prove them against the stored head.
    /// @param receipts One per task, in queue order, starting at the first unreceipted task.
    /// @param signatures 65-byte signatures of the batch by distinct committee members.
    function commitReceipts(
        uint256 contractId,
        uint256 epoch,
        TaskRecord[] calldata tasks,
        Receipt[] calldata receipts,
        bytes[] calldata signatures
    ) external nonReentrant {
        if (receipts.length == 0) revert EmptyBatch();
        if (tasks.length < receipts.length) revert MissingTaskRecords(receipts.length, tasks.length);
        Batch memory batch = _openBatch(contractId, epoch, tasks.length, signatures.length);
        _settle(batch, tasks, receipts);
        _verifyChain(batch, tasks, receipts.length);
        address[] memory signers = _verifySigners(batch, signatures);
        _payout(signers, batch.fees);
        _queues[contractId].done = QueueEnd(batch.first + uint64(receipts.length), batch.doneHead);
        // The state after the last receipt acted on; passed receipts keep the state as it was.
        bytes32 commitment = batch.lastActed == 0
            ? secretContracts.stateCommitmentOf(contractId)
            : receipts[batch.lastActed - 1].stateCommitment;
        secretContracts.recordState(contractId, receipts.length, commitment);
        emit ReceiptsCommitted(
            contractId, epoch, (contractId << 64) | batch.first, receipts.length, batch.digest, batch.fees, signers
        );
        // Interactions last: every receipt of the batch is settled before any target runs.
        for (uint256 i = 0; i < receipts.length; ++i) {
            if (batch.passed[i]) continue;
            if (receipts[i].callTarget != address(0) && receipts[i].status == STATUS_SUCCESS) _call(receipts[i]);
        }
    }

    /// @notice While a receipt's Ethereum call runs: the secret contract and task it comes from. A target checks
    /// `msg.sender == tasks` and then this, to accept results only from the secret contract it trusts.
    function callbackContext() external view returns (uint256 contractId, uint256 taskId) {
        uint256 current = _callbackTask;
        if (current == 0) revert NoCallback();
        taskId = current - 1;
        contractId = taskId >> 64;
    }

    /// @notice Refunds the sender's tasks of a contract that were not receipted within `taskTimeoutBlocks`.
    /// @param contractId The secret contract.
    /// @param tasks Records of the tasks from the first unreceipted one on, up to the latest task or a checkpoint
    /// (from TaskCreated events); every expired, unrefunded one whose caller is the sender is refunded.
    function refundExpired(uint256 contractId, TaskRecord[] calldata tasks) external {
        if (tasks.length == 0) revert NothingToRefund();
        Queue storage queue = _queues[contractId];
        QueueEnd memory done = queue.done;
        bytes24 cursor = done.head;
        uint256 total = 0;
        for (uint256 i = 0; i < tasks.length; ++i) {
            TaskRecord calldata task = tasks[i];
            cursor = _linkRecord(cursor, task);
            uint256 seq = done.count + i;
            if (
                task.caller == msg.sender && block.number > uint256(task.createdBlock) + taskTimeoutBlocks
                    && !_isRefunded(contractId, seq)
            ) {
                _refunded[contractId][seq >> 8] |= 1 << (seq & 255);
                uint256 amount = uint256(task.gasLimit) * task.gasPrice;
                total += amount;
                emit TaskRefunded((contractId << 64) | seq, msg.sender, amount);
            }
        }
        _checkHead(contractId, queue.tip, done.count + tasks.length, cursor);
        if (total == 0) revert NothingToRefund();
        balanceOf[msg.sender] += total;
    }

    // ----- views -----

    /// @notice The status of a task: Unknown, Pending, Receipted or Refunded.
    /// @param taskId The id createTask returned.
    function taskStatus(uint256 taskId) external view returns (TaskStatus) {
        uint256 contractId = taskId >> 64;
        uint256 seq = uint64(taskId);
        Queue storage queue = _queues[contractId];
        if (seq >= queue.tip.count) return TaskStatus.Unknown;
        if (_isRefunded(contractId, seq)) return TaskStatus.Refunded;
        return seq < queue.done.count ? TaskStatus.Receipted : TaskStatus.Pending;
    }

    /// @notice A contract's queue: tasks created and receipted, and the chain heads at both points.
    /// @param contractId The secret contract.
    function queueOf(uint256 contractId)
        external
        view
        returns (uint256 created, bytes24 head, uint256 receipted, bytes24 receiptedHead)
    {
        Queue storage queue = _queues[contractId];
        return (queue.tip.count, queue.tip.head, queue.done.count, queue.done.head);
    }

    /// @notice The checkpoint head stored after `count` tasks of a contract (zero if none).
    /// @param contractId The secret contract.
    /// @param count The number of tasks the checkpoint covers.
    function checkpointOf(uint256 contractId, uint256 count) external view returns (bytes24) {
        return _checkpoints[contractId][count];
    }

    /// @notice The EIP-712 digest committee members sign for a receipt batch.
    /// @param contractId The secret contract.
    /// @param epoch The batch's epoch.
    /// @param receipts The batch.
    function receiptBatchDigest(uint256 contractId, uint256 epoch, Receipt[] calldata receipts)
        external
        view
        returns (bytes32)
    {
        bytes32[] memory hashes = new bytes32[](receipts.length);
        for (uint256 i = 0; i < receipts.length; ++i) {
            hashes[i] = _hashReceipt(receipts[i]);
        }
        return _hashTypedDataV4(
            keccak256(abi.encode(RECEIPT_BATCH_TYPEHASH, contractId, epoch, keccak256(abi.encodePacked(hashes))))
        );
    }

    // ----- internals -----

    /// @dev Everything one commitReceipts call works with, kept in memory to stay within the stack.
    struct Batch {
        uint256 contractId;
        uint256 epoch;
        uint8 n;
        uint64 first; // queue position of the first receipt
        QueueEnd tip;
        bytes24 doneHead; // chain head after the last receipted task
        uint64 startBlock;
        uint64 endBlock;
        uint256 fees;
        address refundTo; // refunds to consecutive tasks of one caller are credited in one write
        uint256 refundAmount;
        bytes32 digest;
        // Receipts of refunded tasks from another epoch are passed, never acted on.
        bool[] passed;
        // 1 + index of the last receipt that is acted on (its state commitment is recorded); 0 if none.
        uint256 lastActed;
    }

    function _openBatch(uint256 contractId, uint256 epoch, uint256 recordCount, uint256 signatureCount)
        private
        view
        returns (Batch memory batch)
    {
        batch.contractId = contractId;
        batch.epoch = epoch;
        (batch.n,,) = secretContracts.committeeParams(contractId);
        uint256 needed = uint256(batch.n) / 2 + 1;
        if (signatureCount < needed) revert NotEnoughSignatures(signatureCount, needed);
        Queue storage queue = _queues[contractId];
        QueueEnd memory done = queue.done;
        batch.first = done.count;
        batch.doneHead = done.head;
        batch.tip = queue.tip;
        if (done.count + recordCount > batch.tip.count) revert UnknownTask((contractId << 64) | batch.tip.count);
        try epochs.epochBounds(epoch) returns (uint64 startBlock, uint64 endBlock) {
            (batch.startBlock, batch.endBlock) = (startBlock, endBlock);
        } catch {
            revert UnknownEpoch(epoch);
        }
    }

    /// @dev Checks each receipt against its task, accounts fees and refunds, emits TaskReceipted; leaves the
    /// fees, the chain head after the last receipted task and the EIP-712 digest of the batch in `batch`.
    function _settle(Batch memory batch, TaskRecord[] calldata tasks, Receipt[] calldata receipts) private {
        bytes32[] memory hashes = new bytes32[](receipts.length);
        batch.passed = new bool[](receipts.length);
        for (uint256 i = 0; i < receipts.length; ++i) {
            Receipt calldata receipt = receipts[i];
            uint256 seq = batch.first + i;
            uint256 taskId = (batch.contractId << 64) | seq;
            if (receipt.taskId != taskId) {
                if (receipt.taskId >> 64 == batch.contractId && uint64(receipt.taskId) < batch.first) {
                    revert TaskAlreadyReceipted(receipt.taskId);
                }
                revert UnexpectedTask(taskId, receipt.taskId);
            }
            if (receipt.status == 0 || receipt.status > STATUS_SKIPPED) {
                revert InvalidReceiptStatus(taskId, receipt.status);
            }
            TaskRecord calldata task = tasks[i];
            if (receipt.gasUsed > task.gasLimit) revert GasUsedAboveLimit(taskId, receipt.gasUsed, task.gasLimit);
            batch.doneHead = _linkRecord(batch.doneHead, task);
            hashes[i] = _hashReceipt(receipt);
            bool ownEpoch = task.createdBlock >= batch.startBlock && task.createdBlock < batch.endBlock;
            if (!_isRefunded(batch.contractId, seq)) {
                if (!ownEpoch) revert WrongEpoch(taskId, batch.epoch);
                _charge(batch, task, receipt);
            } else if (!ownEpoch) {
                // A refunded task was paid back already. Any later epoch's committee may pass it, so that the
                // queue moves on, but its receipt changes nothing: no output, no state, no Ethereum call.
                batch.passed[i] = true;
                emit TaskReceipted(taskId, STATUS_SKIPPED, 0, bytes32(0), "");
                continue;
            }
            batch.lastActed = i + 1;
            emit TaskReceipted(taskId, receipt.status, receipt.gasUsed, receipt.outputHash, receipt.publicOutput);
        }
        if (batch.refundAmount != 0) balanceOf[batch.refundTo] += batch.refundAmount;
        batch.digest = _hashTypedDataV4(
            keccak256(
                abi.encode(RECEIPT_BATCH_TYPEHASH, batch.contractId, batch.epoch, keccak256(abi.encodePacked(hashes)))
            )
        );
    }

    function _charge(Batch memory batch, TaskRecord calldata task, Receipt calldata receipt) private {
        uint256 fee = receipt.status == STATUS_SKIPPED ? 0 : uint256(receipt.gasUsed) * task.gasPrice;
        uint256 refund = uint256(task.gasLimit) * task.gasPrice - fee;
        batch.fees += fee;
        if (task.caller != batch.refundTo) {
            if (batch.refundAmount != 0) balanceOf[batch.refundTo] += batch.refundAmount;
            batch.refundTo = task.caller;
            batch.refundAmount = refund;
        } else {
            batch.refundAmount += refund;
        }
    }

    /// @dev Continues the chain over the records after the receipted ones and checks it lands on a stored head.
    function _verifyChain(Batch memory batch, TaskRecord[] calldata tasks, uint256 from) private view {
        bytes24 cursor = batch.doneHead;
        for (uint256 i = from; i < tasks.length; ++i) {
            cursor = _linkRecord(cursor, tasks[i]);
        }
        _checkHead(batch.contractId, batch.tip, batch.first + tasks.length, cursor);
    }

    function _checkHead(uint256 contractId, QueueEnd memory tip, uint256 end, bytes24 cursor) private view {
        if (end > tip.count) revert UnknownTask((contractId << 64) | tip.count);
        bytes24 expected = end == tip.count ? tip.head : _checkpoints[contractId][end];
        if (expected == bytes24(0) || expected != cursor) revert TaskRecordsMismatch();
    }

    function _verifySigners(Batch memory batch, bytes[] calldata signatures)
        private
        view
        returns (address[] memory signers)
    {
        address[] memory committee = epochs.committeeOf(bytes32(batch.contractId), batch.epoch, batch.n);
        signers = new address[](signatures.length);
        uint256 seen = 0; // bit k: committee member k has signed (committee size <= 64)
        for (uint256 i = 0; i < signatures.length; ++i) {
            address signer = ECDSA.recover(batch.digest, signatures[i]);
            uint256 k = 0;
            while (k < committee.length && committee[k] != signer) ++k;
            if (k == committee.length) revert NotCommitteeMember(signer);
            if (seen & (1 << k) != 0) revert DuplicateSigner(signer);
            seen |= 1 << k;
            signers[i] = signer;
        }
    }

    function _payout(address[] memory signers, uint256 fees) private {
        if (fees == 0) return;
        uint256 share = fees / signers.length;
        // The division's remainder (at most signers - 1 units) goes to the first signer.
        balanceOf[signers[0]] += share + (fees - share * signers.length);
        for (uint256 i = 1; i < signers.length; ++i) {
            balanceOf[signers[i]] += share;
        }
    }

    function _call(Receipt calldata receipt) private {
        // EIP-150 passes on at most 63/64 of what is left: insist on enough that the target gets CALLBACK_GAS.
        if (gasleft() < (CALLBACK_GAS * 64) / 63 + 10_000) revert InsufficientCallbackGas(receipt.taskId);
        _callbackTask = receipt.taskId + 1;
        (bool success,) =
            receipt.callTarget.call{gas: CALLBACK_GAS}(abi.encodePacked(receipt.callSelector, receipt.publicOutput));
        _callbackTask = 0;
        emit TaskCallback(receipt.taskId, receipt.callTarget, receipt.callSelector, success);
    }

    function _setMinGasPrice(uint128 minGasPrice_) private {
        if (minGasPrice_ == 0 || minGasPrice_ > MAX_MIN_GAS_PRICE) {
            revert MinGasPriceOutOfBounds(minGasPrice_, 1, MAX_MIN_GAS_PRICE);
        }
        minGasPrice = minGasPrice_;
        emit MinGasPriceSet(minGasPrice_);
    }

    function _requireActive(uint256 contractId) private view {
        uint32 activeFromEpoch;
        try secretContracts.committeeParams(contractId) returns (uint8, uint8, uint32 activeFrom) {
            activeFromEpoch = activeFrom;
        } catch {
            revert UnknownContract(contractId);
        }
        if (epochs.currentEpoch() < activeFromEpoch) revert ContractNotActive(contractId, activeFromEpoch);
    }

    function _isRefunded(uint256 contractId, uint256 seq) private view returns (bool) {
        return _refunded[contractId][seq >> 8] & (1 << (seq & 255)) != 0;
    }

    function _hashReceipt(Receipt calldata receipt) private pure returns (bytes32) {
        return keccak256(
            abi.encode(
                RECEIPT_TYPEHASH,
                receipt.taskId,
                receipt.status,
                receipt.outputHash,
                keccak256(receipt.publicOutput),
                receipt.stateCommitment,
                receipt.gasUsed,
                receipt.callTarget,
                receipt.callSelector
            )
        );
    }

    function _linkRecord(bytes24 head, TaskRecord calldata task) private pure returns (bytes24) {
        return _link(head, task.caller, task.fn, task.bundleHash, task.gasLimit, task.gasPrice, task.createdBlock);
    }

    function _link(
        bytes24 head,
        address account,
        bytes4 fn,
        bytes32 bundleHash,
        uint64 gasLimit,
        uint128 gasPrice,
        uint64 createdBlock
    ) private pure returns (bytes24 next) {
        // bytes24(keccak256(abi.encode(head, account, fn, bundleHash, gasLimit, gasPrice, createdBlock))), hashed in
        // scratch memory past the free pointer instead of allocating a fresh abi.encode buffer per link.
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, head)
            mstore(add(p, 0x20), account)
            mstore(add(p, 0x40), fn)
            mstore(add(p, 0x60), bundleHash)
            mstore(add(p, 0x80), gasLimit)
            mstore(add(p, 0xa0), gasPrice)
            mstore(add(p, 0xc0), createdBlock)
            next := and(keccak256(p, 0xe0), not(0xffffffffffffffff))
        }
    }
}
