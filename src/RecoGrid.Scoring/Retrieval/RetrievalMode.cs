namespace RecoGrid.Scoring.Retrieval;

/// <summary>How a request's items are found: every item scored, or candidates retrieved and then ranked.</summary>
public enum RetrievalMode
{
    /// <summary>Let the engine choose: two-stage for catalogues of at least <see cref="ScoringOptions.AnnThreshold"/> items with an ANN index, else exact.</summary>
    Auto = 0,

    /// <summary>Score the whole catalogue (the full top-K graph).</summary>
    Exact = 1,

    /// <summary>Two-stage: candidates from the sources (the ANN index first), ranked by the candidate graph.</summary>
    Ann = 2,
}

/// <summary>Names of <see cref="RetrievalMode"/> values as the HTTP API spells them.</summary>
public static class RetrievalNames
{
    public const string Exact = "exact";

    public const string Ann = "ann";

    public static string Of(RetrievalMode retrieval) => retrieval == RetrievalMode.Ann ? Ann : Exact;

    /// <summary>Parses "exact" or "ann" (any case); false for anything else.</summary>
    public static bool TryParse(string? text, out RetrievalMode retrieval)
    {
        retrieval = RetrievalMode.Auto;
        if (string.Equals(text, Exact, StringComparison.OrdinalIgnoreCase))
        {
            retrieval = RetrievalMode.Exact;
            return true;
        }

        if (string.Equals(text, Ann, StringComparison.OrdinalIgnoreCase))
        {
            retrieval = RetrievalMode.Ann;
            return true;
        }

        return false;
    }
}
