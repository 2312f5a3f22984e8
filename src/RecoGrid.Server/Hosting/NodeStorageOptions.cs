using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RecoGrid.Storage.Azure;
using RecoGrid.Storage.FileSystem;

namespace RecoGrid.Server.Hosting;

/// <summary>
/// Node-wide storage defaults (section <c>Storage</c>). They become the defaults of every store the node configures
/// (grain stores <c>Orleans:GrainStorage:&lt;name&gt;:…</c>, the interaction log <c>Log:…</c>, the model registry
/// <c>Models:…</c>), where a store's own setting overrides them.
/// </summary>
public sealed class NodeStorageOptions
{
    public const string Section = "Storage";

    /// <summary>The local file system under the data folder (the embedded default).</summary>
    public const string FileProvider = "file";

    /// <summary>Azure Storage (blobs), or Azurite.</summary>
    public const string AzureProvider = "azure";

    /// <summary><c>file</c> or <c>azure</c>: the backend of every store unless a store names its own.</summary>
    public string Provider { get; set; } = FileProvider;

    /// <summary>With <c>azure</c>: the storage account's connection string (<c>UseDevelopmentStorage=true</c> for a local Azurite).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>With <c>azure</c>, instead of a connection string: the blob service URI, used with DefaultAzureCredential.</summary>
    public string? ServiceUri { get; set; }

    /// <summary>With <c>azure</c>: containers are named <c>{prefix}-users</c>, <c>{prefix}-log</c>, <c>{prefix}-models</c>…</summary>
    public string ContainerPrefix { get; set; } = "recogrid";

    /// <summary>Flush writes to the device before acknowledging them (file backend).</summary>
    public bool FlushToDisk { get; set; } = true;

    /// <summary>Minimum thread-pool threads, since durable writes block a thread in fsync.</summary>
    public int IoThreads { get; set; } = FileGrainStorageOptions.DefaultIoThreads;

    /// <summary>True when <see cref="Provider"/> names Azure.</summary>
    public bool IsAzure => IsAzureProvider(Provider);

    /// <summary>Whether a store's provider setting names Azure (case-insensitive).</summary>
    public static bool IsAzureProvider(string? provider) => string.Equals(provider, AzureProvider, StringComparison.OrdinalIgnoreCase);

    /// <summary>Whether a store's provider setting is one RecoGrid knows.</summary>
    public static bool IsKnownProvider(string? provider) =>
        string.Equals(provider, FileProvider, StringComparison.OrdinalIgnoreCase) || IsAzureProvider(provider);
}

/// <summary>Validates <see cref="NodeStorageOptions"/>; messages name the setting.</summary>
public sealed class NodeStorageOptionsValidator : IValidateOptions<NodeStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, NodeStorageOptions options)
    {
        var errors = new List<string>();
        if (options.IoThreads is < 1 or > 4096)
        {
            errors.Add($"Storage:IoThreads must be between 1 and 4096 (was {options.IoThreads}).");
        }

        if (!NodeStorageOptions.IsKnownProvider(options.Provider))
        {
            errors.Add($"Storage:Provider must be '{NodeStorageOptions.FileProvider}' or '{NodeStorageOptions.AzureProvider}' (was '{options.Provider}').");
        }
        else if (options.IsAzure && AzureStorageConnection.Problem(options.ConnectionString, options.ServiceUri, "Storage:ConnectionString", "Storage:ServiceUri") is { } problem)
        {
            errors.Add($"Storage:Provider is azure, so {problem}");
        }

        // The longest container name built from it ("-popularity") must stay within Azure's 63 characters.
        if (AzureNames.ContainerProblem(options.ContainerPrefix + "-popularity", "Storage:ContainerPrefix + '-popularity'") is not null)
        {
            errors.Add($"Storage:ContainerPrefix must be lower-case letters, digits and single hyphens, at most 52 characters, so that '{options.ContainerPrefix}-popularity' is a valid container name (was '{options.ContainerPrefix}').");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>The backend one store uses (<c>Log:Provider</c>, <c>Models:Provider</c>); defaults to <c>Storage:Provider</c>.</summary>
public sealed class StoreProviderOptions
{
    /// <summary><c>file</c> or <c>azure</c>.</summary>
    public string? Provider { get; set; }
}

/// <summary>Validates <see cref="StoreProviderOptions"/>; the options' name is their section, so messages name the setting.</summary>
public sealed class StoreProviderOptionsValidator : IValidateOptions<StoreProviderOptions>
{
    public ValidateOptionsResult Validate(string? name, StoreProviderOptions options) =>
        options.Provider is null || NodeStorageOptions.IsKnownProvider(options.Provider)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{name}:Provider must be '{NodeStorageOptions.FileProvider}' or '{NodeStorageOptions.AzureProvider}' (was '{options.Provider}'); without it the store follows Storage:Provider.");
}

/// <summary>Registers the <see cref="StoreProviderOptions"/> of one store's section, validated on start.</summary>
public static class StoreProviderOptionsExtensions
{
    public static IServiceCollection AddStoreProviderOptions(this IServiceCollection services, string section)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StoreProviderOptions>, StoreProviderOptionsValidator>());
        services.AddOptions<StoreProviderOptions>(section).BindConfiguration(section).ValidateOnStart();
        return services;
    }
}
