using Microsoft.Extensions.Options;

namespace RecoGrid.Storage.Azure.Models;

/// <summary>Options of the model registry on Azure blobs (section <c>Models</c>).</summary>
public sealed class AzureModelRegistryOptions
{
    public const string SectionName = "Models";

    /// <summary>Default container.</summary>
    public const string DefaultContainerName = "recogrid-models";

    /// <summary>An Azure Storage connection string (or Azurite's <c>UseDevelopmentStorage=true</c>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The blob service URI, used with DefaultAzureCredential instead of a connection string.</summary>
    public string? ServiceUri { get; set; }

    /// <summary>The container holding the registry document and one blob set per version.</summary>
    public string ContainerName { get; set; } = DefaultContainerName;

    /// <summary>Versions kept: adding one more removes the oldest that is not active; 0 keeps every version.</summary>
    public int Retain { get; set; } = 10;

    /// <summary>Local folder versions are downloaded into before they are loaded (made absolute by the node).</summary>
    public string CacheDirectory { get; set; } = ".recogrid/model-cache";
}

/// <summary>Validates <see cref="AzureModelRegistryOptions"/>; messages name the setting.</summary>
public sealed class AzureModelRegistryOptionsValidator : IValidateOptions<AzureModelRegistryOptions>
{
    private const string Section = AzureModelRegistryOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, AzureModelRegistryOptions options)
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

        if (options.Retain is < 0 or > 10_000)
        {
            failures.Add($"{Section}:Retain must be between 0 (keep every version) and 10000 (was {options.Retain}).");
        }

        if (string.IsNullOrWhiteSpace(options.CacheDirectory))
        {
            failures.Add($"{Section}:CacheDirectory must name a local folder for downloaded versions.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
