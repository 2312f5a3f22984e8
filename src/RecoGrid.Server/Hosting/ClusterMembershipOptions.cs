using Microsoft.Extensions.Options;

namespace RecoGrid.Server.Hosting;

/// <summary>How silos find each other (section <c>Cluster</c>): the membership provider and its connection.</summary>
public sealed class ClusterMembershipOptions
{
    public const string Section = "Cluster";

    /// <summary>Orleans' localhost membership: every node on this machine, one of them the primary (the embedded default).</summary>
    public const string Development = "development";

    /// <summary>Membership in an Azure Storage table (Azurite locally).</summary>
    public const string Azure = "azure";

    /// <summary>Membership in Redis.</summary>
    public const string Redis = "redis";

    /// <summary>Orleans' Kubernetes hosting (pod name, pod IP, defunct pods removed), with membership in <see cref="Membership"/>.</summary>
    public const string Kubernetes = "kubernetes";

    /// <summary>The providers <see cref="Provider"/> accepts.</summary>
    public static IReadOnlyList<string> Providers { get; } = [Development, Azure, Redis, Kubernetes];

    /// <summary><c>development</c>, <c>azure</c>, <c>redis</c> or <c>kubernetes</c>.</summary>
    public string Provider { get; set; } = Development;

    /// <summary>
    /// With <c>redis</c>: the Redis configuration string (<c>host:port,password=…</c>). With <c>azure</c>: an Azure Storage
    /// connection string, defaulting to <c>Storage:ConnectionString</c>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>With <c>azure</c> and DefaultAzureCredential: the table service URI; defaults to <c>Storage:ServiceUri</c> with <c>.blob.</c> read as <c>.table.</c>.</summary>
    public string? ServiceUri { get; set; }

    /// <summary>With <c>kubernetes</c>: where the membership table lives, <c>azure</c> (default) or <c>redis</c>.</summary>
    public string Membership { get; set; } = Azure;

    /// <summary>The table used by <c>azure</c> membership.</summary>
    public string TableName { get; set; } = "RecoGridSilos";

    /// <summary>
    /// How long a silo waits for a probe of another silo, and how often it probes (Orleans' default, 5 s, when unset).
    /// A dead node is declared dead after <see cref="MissedProbesLimit"/> missed probes; until then calls to the grains it
    /// hosted fail. Shorter detects faster but risks declaring a slow node (long GC pauses) dead.
    /// </summary>
    public TimeSpan? ProbeTimeout { get; set; }

    /// <summary>Missed probes in a row before a silo suspects another (Orleans' default, 3, when unset).</summary>
    public int? MissedProbesLimit { get; set; }

    /// <summary>The membership store actually used: <see cref="Membership"/> under <c>kubernetes</c>, else <see cref="Provider"/>.</summary>
    public string Store => Is(Kubernetes) ? Membership.ToLowerInvariant() : Provider.ToLowerInvariant();

    /// <summary>Whether <see cref="Provider"/> is <paramref name="provider"/> (case-insensitive).</summary>
    public bool Is(string provider) => string.Equals(Provider, provider, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Validates <see cref="ClusterMembershipOptions"/> together with the storage settings it may borrow; messages name the setting.</summary>
public sealed class ClusterMembershipOptionsValidator(IOptions<NodeStorageOptions> storage) : IValidateOptions<ClusterMembershipOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterMembershipOptions options)
    {
        var errors = new List<string>();
        if (!ClusterMembershipOptions.Providers.Contains(options.Provider, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"Cluster:Provider must be one of {string.Join(", ", ClusterMembershipOptions.Providers)} (was '{options.Provider}').");
            return ValidateOptionsResult.Fail(errors);
        }

        if (options.Is(ClusterMembershipOptions.Kubernetes)
            && options.Membership.ToLowerInvariant() is not (ClusterMembershipOptions.Azure or ClusterMembershipOptions.Redis))
        {
            errors.Add($"Cluster:Membership must be azure or redis with Cluster:Provider=kubernetes (was '{options.Membership}').");
        }

        if (options.ProbeTimeout is { } probe && (probe < TimeSpan.FromSeconds(1) || probe > TimeSpan.FromMinutes(1)))
        {
            errors.Add($"Cluster:ProbeTimeout must be between 1 second and 1 minute (was {probe}).");
        }

        if (options.MissedProbesLimit is < 1 or > 10)
        {
            errors.Add($"Cluster:MissedProbesLimit must be between 1 and 10 (was {options.MissedProbesLimit}).");
        }

        switch (options.Store)
        {
            case ClusterMembershipOptions.Redis when string.IsNullOrWhiteSpace(options.ConnectionString):
                errors.Add("Cluster:ConnectionString must be the Redis configuration (e.g. 'redis:6379' or '127.0.0.1:6379,password=...') for Redis membership.");
                break;
            case ClusterMembershipOptions.Azure:
                var s = storage.Value;
                var connection = options.ConnectionString ?? s.ConnectionString;
                var uri = options.ServiceUri ?? TableUriFromBlobUri(s.ServiceUri);
                if (string.IsNullOrWhiteSpace(connection) && string.IsNullOrWhiteSpace(uri))
                {
                    errors.Add("Azure Table membership needs Cluster:ConnectionString (or Storage:ConnectionString) or Cluster:ServiceUri (the table service URI, used with DefaultAzureCredential).");
                }

                if (options.TableName.Length is < 3 or > 63 || !options.TableName.All(char.IsAsciiLetterOrDigit) || !char.IsAsciiLetter(options.TableName[0]))
                {
                    errors.Add($"Cluster:TableName must be 3 to 63 letters and digits, starting with a letter (was '{options.TableName}').");
                }

                break;
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The table endpoint of the account whose blob endpoint is <paramref name="blobUri"/>, when it follows Azure's naming.</summary>
    public static string? TableUriFromBlobUri(string? blobUri) =>
        blobUri is { Length: > 0 } && blobUri.Contains(".blob.", StringComparison.OrdinalIgnoreCase)
            ? blobUri.Replace(".blob.", ".table.", StringComparison.OrdinalIgnoreCase)
            : null;
}
