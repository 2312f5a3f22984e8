using Microsoft.Extensions.Options;

namespace RecoGrid.Storage.FileSystem.Log;

/// <summary>Options of the interaction log on the local file system (bound to configuration section <c>Log</c>).</summary>
public sealed class FileInteractionLogOptions
{
    /// <summary>Configuration section these options are bound to; validation messages name settings under it.</summary>
    public const string SectionName = "Log";

    /// <summary>Default folder, relative to the working directory.</summary>
    public const string DefaultRootDirectory = ".recogrid/log";

    /// <summary>Most partitions a log may have.</summary>
    public const int MaxPartitions = 4096;

    /// <summary>Smallest segment size accepted (small sizes are for tests).</summary>
    public const long MinSegmentBytes = 1024;

    /// <summary>Folder holding one sub-folder per partition.</summary>
    public string RootDirectory { get; set; } = DefaultRootDirectory;

    /// <summary>Number of partitions; fixed once the log exists, because records are routed to partitions by it.</summary>
    public int Partitions { get; set; } = 16;

    /// <summary>The active segment is sealed and a new one started before an append would take it past this size.</summary>
    public long SegmentBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>The active segment is sealed at the first append after it reaches this age.</summary>
    public TimeSpan SegmentMaxAge { get; set; } = TimeSpan.FromHours(1);

    /// <summary>fsync each append (and each new or renamed file's folder); off only for tests and benchmarks, since an acknowledged append could then be lost in a power cut.</summary>
    public bool FlushToDisk { get; set; } = true;
}

/// <summary>Checks <see cref="FileInteractionLogOptions"/>; messages name the setting as <c>Log:&lt;Name&gt;</c>.</summary>
public sealed class FileInteractionLogOptionsValidator : IValidateOptions<FileInteractionLogOptions>
{
    private const string Section = FileInteractionLogOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, FileInteractionLogOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.RootDirectory))
        {
            failures.Add($"{Section}:RootDirectory must name a folder (the default is '{FileInteractionLogOptions.DefaultRootDirectory}').");
        }

        if (options.Partitions is < 1 or > FileInteractionLogOptions.MaxPartitions)
        {
            failures.Add($"{Section}:Partitions must be between 1 and {FileInteractionLogOptions.MaxPartitions} (it is {options.Partitions}).");
        }

        if (options.SegmentBytes < FileInteractionLogOptions.MinSegmentBytes)
        {
            failures.Add($"{Section}:SegmentBytes must be at least {FileInteractionLogOptions.MinSegmentBytes} (it is {options.SegmentBytes}).");
        }

        if (options.SegmentMaxAge <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:SegmentMaxAge must be positive (it is {options.SegmentMaxAge}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
