using RecoGrid.Training.Data;

namespace RecoGrid.Training.Evaluation;

/// <summary>
/// One train/test split. The model is fitted on <see cref="Train"/>; each evaluation user e is described by row e of
/// <see cref="FoldIn"/> (known items: folded in and excluded from the ranking) and judged on row e of
/// <see cref="Targets"/>. Users with no targets are not evaluated.
/// </summary>
/// <param name="Train">Users × items matrix the model is trained on.</param>
/// <param name="FoldIn">Evaluation users × items: what each evaluation user is known to have interacted with.</param>
/// <param name="Targets">Evaluation users × items: the held-out interactions to recover.</param>
public sealed record EvaluationSplit(CsrMatrix Train, CsrMatrix FoldIn, CsrMatrix Targets)
{
    /// <summary>Number of evaluation users that have at least one target.</summary>
    public int EvaluatedUsers
    {
        get
        {
            var count = 0;
            for (var u = 0; u < Targets.Rows; u++)
            {
                if (Targets.RowLength(u) > 0)
                {
                    count++;
                }
            }

            return count;
        }
    }
}
