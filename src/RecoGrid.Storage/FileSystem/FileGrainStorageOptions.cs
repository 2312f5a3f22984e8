namespace RecoGrid.Storage.FileSystem;

/// <summary>Options of the local file-system grain storage (the embedded default).</summary>
public sealed class FileGrainStorageOptions
{
    /// <summary>Default folder, relative to the working directory.</summary>
    public const string DefaultRootDirectory = ".recogrid/grains";

    /// <summary>Default minimum of thread-pool threads (see <see cref="IoThreads"/>).</summary>
    public const int DefaultIoThreads = 64;

    /// <summary>Folder that holds one file per grain state.</summary>
    public string RootDirectory { get; set; } = DefaultRootDirectory;

    /// <summary>Flush file contents and the folder entry to the device before a write completes.</summary>
    public bool FlushToDisk { get; set; } = true;

    /// <summary>
    /// Minimum thread-pool threads kept by the process: a durable write blocks a thread in fsync, so enough threads
    /// must exist that request handling does not starve while writes wait on the disk.
    /// </summary>
    public int IoThreads { get; set; } = DefaultIoThreads;
}

/// <summary>Checks one named <see cref="FileGrainStorageOptions"/> at silo start; messages name the setting.</summary>
public sealed class FileGrainStorageOptionsValidator(FileGrainStorageOptions options, string name) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        var prefix = $"Orleans:GrainStorage:{name}:";
        if (string.IsNullOrWhiteSpace(options.RootDirectory))
        {
            throw new OrleansConfigurationException($"{prefix}RootDirectory must name a folder (the default is '{FileGrainStorageOptions.DefaultRootDirectory}').");
        }

        if (options.IoThreads is < 1 or > 4096)
        {
            throw new OrleansConfigurationException($"{prefix}IoThreads must be between 1 and 4096 (was {options.IoThreads}).");
        }
    }
}
