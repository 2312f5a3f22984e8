namespace RecoGrid.Scoring;

/// <summary>One row of a top-K run: item indices with their scores, best first; suppressed items may appear at the tail.</summary>
public sealed class RankedItems
{
    public static readonly RankedItems Empty = new([], []);

    public RankedItems(int[] indices, float[] scores)
    {
        if (indices.Length != scores.Length)
        {
            throw new ArgumentException("Indices and scores must have the same length.", nameof(scores));
        }

        Indices = indices;
        Scores = scores;
    }

    public int[] Indices { get; }

    public float[] Scores { get; }

    public int Count => Indices.Length;
}
