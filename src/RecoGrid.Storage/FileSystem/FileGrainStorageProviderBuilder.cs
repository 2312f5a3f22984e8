using System.Globalization;
using Microsoft.Extensions.Configuration;
using Orleans.Providers;
using RecoGrid.Storage.FileSystem;

[assembly: RegisterProvider(FileGrainStorageExtensions.ProviderType, "GrainStorage", "Silo", typeof(FileGrainStorageProviderBuilder))]

namespace RecoGrid.Storage.FileSystem;

/// <summary>
/// Lets configuration choose the file backend: <c>Orleans:GrainStorage:&lt;name&gt;:ProviderType = File</c> with
/// <c>RootDirectory</c>, <c>FlushToDisk</c> and <c>IoThreads</c> beside it.
/// </summary>
internal sealed class FileGrainStorageProviderBuilder : IProviderBuilder<ISiloBuilder>
{
    public void Configure(ISiloBuilder builder, string? name, IConfigurationSection configurationSection)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        builder.AddFileGrainStorage(name, optionsBuilder => optionsBuilder.Configure(options =>
        {
            if (configurationSection[nameof(options.RootDirectory)] is { Length: > 0 } root)
            {
                options.RootDirectory = root;
            }

            if (configurationSection[nameof(options.FlushToDisk)] is { Length: > 0 } flush)
            {
                options.FlushToDisk = bool.TryParse(flush, out var value)
                    ? value
                    : throw new OrleansConfigurationException($"Orleans:GrainStorage:{name}:FlushToDisk must be true or false (was '{flush}').");
            }

            if (configurationSection[nameof(options.IoThreads)] is { Length: > 0 } threads)
            {
                options.IoThreads = int.TryParse(threads, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
                    ? value
                    : throw new OrleansConfigurationException($"Orleans:GrainStorage:{name}:IoThreads must be a whole number (was '{threads}').");
            }
        }));
    }
}
