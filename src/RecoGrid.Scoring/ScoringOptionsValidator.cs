namespace RecoGrid.Scoring;

/// <summary>Validates <see cref="ScoringOptions"/>; every message names the setting as it appears in configuration.</summary>
public static class ScoringOptionsValidator
{
    /// <summary>Returns the problems found; empty when the options are valid.</summary>
    public static IReadOnlyList<string> Validate(ScoringOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        const string Prefix = ScoringOptions.SectionName + ":";
        if (options.MaxBatchSize is < 1 or > 1024)
        {
            errors.Add($"{Prefix}{nameof(ScoringOptions.MaxBatchSize)} must be between 1 and 1024 (was {options.MaxBatchSize}).");
        }

        if (options.MaxBatchDelay < TimeSpan.Zero || options.MaxBatchDelay > TimeSpan.FromSeconds(1))
        {
            errors.Add($"{Prefix}{nameof(ScoringOptions.MaxBatchDelay)} must be between 00:00:00 and 00:00:01 (was {options.MaxBatchDelay}).");
        }

        if (options.QueueCapacity < 1)
        {
            errors.Add($"{Prefix}{nameof(ScoringOptions.QueueCapacity)} must be at least 1 (was {options.QueueCapacity}).");
        }

        if (!Enum.IsDefined(options.ExecutionProvider))
        {
            errors.Add($"{Prefix}{nameof(ScoringOptions.ExecutionProvider)} must be Cpu or Cuda (was {options.ExecutionProvider}).");
        }

        if (options.IntraOpThreads < 0)
        {
            errors.Add($"{Prefix}{nameof(ScoringOptions.IntraOpThreads)} must be 0 (ONNX Runtime's choice) or more (was {options.IntraOpThreads}).");
        }

        if (options.OverFetchFactor < 1)
        {
            errors.Add($"{Prefix}{nameof(ScoringOptions.OverFetchFactor)} must be at least 1 (was {options.OverFetchFactor}).");
        }

        if (options.MaxLoadedVersions < 1)
        {
            errors.Add($"{Prefix}{nameof(ScoringOptions.MaxLoadedVersions)} must be at least 1 (was {options.MaxLoadedVersions}).");
        }

        if (options.AnnThreshold < 0)
        {
            errors.Add($"{Prefix}{nameof(ScoringOptions.AnnThreshold)} must be 0 (two-stage whenever an index exists) or more (was {options.AnnThreshold}).");
        }

        if (options.AnnCandidates is < 1 or > ScoringRequest.MaxCount)
        {
            errors.Add($"{Prefix}{nameof(ScoringOptions.AnnCandidates)} must be between 1 and {ScoringRequest.MaxCount} (was {options.AnnCandidates}).");
        }

        if (options.MaxAnnCandidates < options.AnnCandidates || options.MaxAnnCandidates > 100_000)
        {
            errors.Add($"{Prefix}{nameof(ScoringOptions.MaxAnnCandidates)} must be between Scoring:AnnCandidates ({options.AnnCandidates}) and 100000 (was {options.MaxAnnCandidates}).");
        }

        if (options.AnnExpansion is < 0 or > 65536)
        {
            errors.Add($"{Prefix}{nameof(ScoringOptions.AnnExpansion)} must be 0 (the model version's own) or between 1 and 65536 (was {options.AnnExpansion}).");
        }

        if (options.CoVisitationCandidates is < 0 or > ScoringRequest.MaxCount)
        {
            errors.Add($"{Prefix}{nameof(ScoringOptions.CoVisitationCandidates)} must be between 0 and {ScoringRequest.MaxCount} (was {options.CoVisitationCandidates}).");
        }

        if (options.PopularCandidates is < 0 or > ScoringRequest.MaxCount)
        {
            errors.Add($"{Prefix}{nameof(ScoringOptions.PopularCandidates)} must be between 0 and {ScoringRequest.MaxCount} (was {options.PopularCandidates}).");
        }

        return errors;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem when the options are invalid.</summary>
    public static void ThrowIfInvalid(ScoringOptions options)
    {
        var errors = Validate(options);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid scoring options: " + string.Join(" ", errors), nameof(options));
        }
    }
}
