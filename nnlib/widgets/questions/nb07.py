"""Predict, then run: the questions of notebook 07 (the training loop)."""

from . import Choice, Mistake, Number, Option

QUESTIONS = [
    Number(
        "07.q1",
        ask="One epoch cuts the 450 training rows, shuffled, into batches of 64. How many rows does the *last* "
            "batch hold?",
        answer=2,
        tolerance=0,
        right="$450 = 7 \\cdot 64 + 2$: seven full batches, then the 2 rows left over. That batch's gradient is a "
              "mean over 2 rows, so it counts for $2/450$ of the epoch in the weighted mean.",
        mistakes=[
            Mistake(64, "Every batch is full only when the batch size divides the number of rows. $450/64$ is not "
                        "a whole number: the remainder forms a smaller last batch."),
            Mistake(0, "nnlib keeps the rows that are left over in a last, smaller batch rather than dropping them, "
                       "so every row is used once per epoch."),
            Mistake(7, "7 is the number of *full* batches. The question asks for the size of the batch after them."),
            Mistake(8, "8 is the number of batches in the epoch, the full ones and the short one. The question asks "
                       "how many rows the last one holds."),
        ],
        otherwise="Divide 450 by 64: what is left after the whole batches?",
    ),
    Choice(
        "07.q2",
        ask="Epoch 0 starts from untrained weights. Which is larger: its training loss `train_loss[0]` (the "
            "running mean of its batch losses, each scored as the batch came) or the same training rows scored "
            "once more with the weights the epoch ended with?",
        answer="running mean",
        options=[
            Option("the running mean", "running mean",
                   "Its first batches were scored by the untrained weights, and every batch by the weights of "
                   "its moment in the epoch; the second score uses the weights after all of the epoch's steps, "
                   "and while the loss still falls fast, as it does in epoch 0, those score lowest."),
            Option("the score with the final weights", "end of epoch",
                   "Both score the same rows, but not with the same weights: the running mean still counts the "
                   "untrained network's first batches, and the final weights have taken every step of the epoch."),
        ],
    ),
    Number(
        "07.q3",
        ask="Run E trains with `patience=25` and stops early. How many epochs does it run *after* its best epoch?",
        answer=25,
        tolerance=0,
        right="It stops at epoch `best_epoch + patience`: 25 epochs in a row without a new best, then it stops "
              "and puts the best epoch's weights back.",
        mistakes=[
            Mistake(26, "Count from the best epoch: epochs best + 1, ..., best + 25 are the 25 without improvement, "
                        "and the rule stops at the 25th. `best_epoch + patience + 1` is the number of epochs in "
                        "all, counted from 0."),
            Mistake(24, "The rule waits until `epoch − best_epoch >= patience`, so the last epoch run is "
                        "`best_epoch + 25`, not one before."),
            Mistake(0, "Early stopping cannot know an epoch is the best until later epochs fail to beat it: it "
                       "waits `patience` epochs, then restores the best weights."),
        ],
        otherwise="The rule: stop once `epoch − best_epoch >= patience`.",
    ),
]
