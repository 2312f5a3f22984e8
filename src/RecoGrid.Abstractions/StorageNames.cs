namespace RecoGrid.Abstractions;

/// <summary>Names of the grain storage providers, declared once.</summary>
public static class StorageNames
{
    /// <summary>Per-user interaction state and vectors.</summary>
    public const string Users = "users";

    /// <summary>Item catalogue shards.</summary>
    public const string Catalog = "catalog";

    /// <summary>Popularity counter shards.</summary>
    public const string Popularity = "popularity";

    /// <summary>API keys (hashes and scopes), shared by every node of a cluster.</summary>
    public const string Keys = "keys";

    /// <summary>A/B experiments: definitions and per-variant counters.</summary>
    public const string Experiments = "experiments";
}
