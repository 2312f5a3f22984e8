using Microsoft.Extensions.Options;

namespace RecoGrid.Storage.Azure.Log;

/// <summary>Options of the interaction log on Azure blobs (bound to configuration section <c>Log</c>, beside the file backend's).</summary>
public sealed class AzureInteractionLogOptions
{
    /// <summary>Configuration section these options are bound to; validation messages name settings under it.</summary>
    public const string SectionName = "Log";

    /// <summary>Default container.</summary>
    public const string DefaultContainerName = "recogrid-log";

    /// <summary>Most partitions a log may have.</summary>
    public const int MaxPartitions = 4096;

    /// <summary>Smallest segment size accepted (small sizes are for tests).</summary>
    public const long MinSegmentBytes = 1024;

    /// <summary>Largest segment: an append blob holds at most 50,000 blocks of 4 MiB.</summary>
    public const long MaxSegmentBytes = 64L * 1024 * 1024 * 1024;

    /// <summary>An Azure Storage connection string (or Azurite's <c>UseDevelopmentStorage=true</c>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The blob service URI, used with DefaultAzureCredential instead of a connection string.</summary>
    public string? ServiceUri { get; set; }

    /// <summary>The container holding one folder of blobs per partition.</summary>
    public string ContainerName { get; set; } = DefaultContainerName;

    /// <summary>Number of partitions; fixed once the log exists, because records are routed to partitions by it.</summary>
    public int Partitions { get; set; } = 16;

    /// <summary>The active segment is sealed and a new append blob started before an append would take it past this size.</summary>
    public long SegmentBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>The active segment is sealed at the first append after it reaches this age.</summary>
    public TimeSpan SegmentMaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// The writer's blob lease (15 to 60 s): renewed every third of it, so storage may be unreachable for about two
    /// thirds of it without the writer losing the partition; after a crash another node takes the partition over once it expires.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(20);
}

/// <summary>Checks <see cref="AzureInteractionLogOptions"/>; messages name the setting as <c>Log:&lt;Name&gt;</c>.</summary>
public sealed class AzureInteractionLogOptionsValidator : IValidateOptions<AzureInteractionLogOptions>
{
    private const string Section = AzureInteractionLogOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, AzureInteractionLogOptions options)
    {
        var failures = new List<string>();
        if (AzureStorageConnection.Problem(options.ConnectionString, options.ServiceUri, $"{Section}:ConnectionString", $"{Section}:ServiceUri") is { } connection)
        {
            failures.Add(connection);
        }

        if (AzureNames.ContainerProblem(options.ContainerName, $"{Section}:ContainerName") is { } container)
        {
            failures.Add(container);
        }

        if (options.Partitions is < 1 or > AzureInteractionLogOptions.MaxPartitions)
        {
            failures.Add($"{Section}:Partitions must be between 1 and {AzureInteractionLogOptions.MaxPartitions} (it is {options.Partitions}).");
        }

        if (options.SegmentBytes is < AzureInteractionLogOptions.MinSegmentBytes or > AzureInteractionLogOptions.MaxSegmentBytes)
        {
            failures.Add($"{Section}:SegmentBytes must be between {AzureInteractionLogOptions.MinSegmentBytes} and {AzureInteractionLogOptions.MaxSegmentBytes} (it is {options.SegmentBytes}).");
        }

        if (options.SegmentMaxAge <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:SegmentMaxAge must be positive (it is {options.SegmentMaxAge}).");
        }

        if (options.LeaseDuration < TimeSpan.FromSeconds(15) || options.LeaseDuration > TimeSpan.FromSeconds(60))
        {
            failures.Add($"{Section}:LeaseDuration must be between 15 and 60 seconds, as Azure blob leases are (it is {options.LeaseDuration}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
