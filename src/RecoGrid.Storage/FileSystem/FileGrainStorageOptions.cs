using Microsoft.Extensions.Options;

namespace RecoGrid.Storage.FileSystem;

/// <summary>Options of the local file-system grain storage (the embedded default).</summary>
public sealed class FileGrainStorageOptions
{
    /// <summary>Default folder, relative to the working directory.</summary>
    public const string DefaultRootDirectory = ".recogrid/grains";

    /// <summary>Folder that holds one file per grain state.</summary>
    public string RootDirectory { get; set; } = DefaultRootDirectory;

    /// <summary>Flush file contents to the device before the rename that publishes them.</summary>
    public bool FlushToDisk { get; set; } = true;
}

/// <summary>Checks <see cref="FileGrainStorageOptions"/>; messages name the setting.</summary>
public sealed class FileGrainStorageOptionsValidator : IValidateOptions<FileGrainStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, FileGrainStorageOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.RootDirectory))
        {
            return ValidateOptionsResult.Fail($"Storage:{name}:RootDirectory must name a folder (the default is '{FileGrainStorageOptions.DefaultRootDirectory}').");
        }

        return ValidateOptionsResult.Success;
    }
}
