using Microsoft.Extensions.Options;
using RecoGrid.Storage.FileSystem;

namespace RecoGrid.Server.Hosting;

/// <summary>
/// Node-wide storage defaults (section <c>Storage</c>). They become the defaults of every store the node configures
/// (<c>Orleans:GrainStorage:&lt;name&gt;:…</c>), where a store's own setting overrides them.
/// </summary>
public sealed class NodeStorageOptions
{
    public const string Section = "Storage";

    /// <summary>Flush writes to the device before acknowledging them.</summary>
    public bool FlushToDisk { get; set; } = true;

    /// <summary>Minimum thread-pool threads, since durable writes block a thread in fsync.</summary>
    public int IoThreads { get; set; } = FileGrainStorageOptions.DefaultIoThreads;
}

/// <summary>Validates <see cref="NodeStorageOptions"/>; messages name the setting.</summary>
public sealed class NodeStorageOptionsValidator : IValidateOptions<NodeStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, NodeStorageOptions options) =>
        options.IoThreads is < 1 or > 4096
            ? ValidateOptionsResult.Fail($"Storage:IoThreads must be between 1 and 4096 (was {options.IoThreads}).")
            : ValidateOptionsResult.Success;
}
