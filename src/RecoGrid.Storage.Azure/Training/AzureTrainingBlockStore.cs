using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Options;
using RecoGrid.Storage.Training;

namespace RecoGrid.Storage.Azure.Training;

/// <summary>Options of the training block store on Azure blobs (section <c>TrainingBlocks</c>).</summary>
public sealed class AzureTrainingBlockStoreOptions
{
    public const string SectionName = "TrainingBlocks";

    /// <summary>Default container.</summary>
    public const string DefaultContainerName = "recogrid-training-blocks";

    /// <summary>An Azure Storage connection string (or Azurite's <c>UseDevelopmentStorage=true</c>).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The blob service URI, used with DefaultAzureCredential instead of a connection string.</summary>
    public string? ServiceUri { get; set; }

    /// <summary>The container holding every job's blocks (one blob per block, named as the block).</summary>
    public string ContainerName { get; set; } = DefaultContainerName;
}

/// <summary>Validates <see cref="AzureTrainingBlockStoreOptions"/>; messages name the setting.</summary>
public sealed class AzureTrainingBlockStoreOptionsValidator : IValidateOptions<AzureTrainingBlockStoreOptions>
{
    private const string Section = AzureTrainingBlockStoreOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, AzureTrainingBlockStoreOptions options)
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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>
/// The training block store on Azure blobs, for training silos on different machines: one block blob per block. A
/// block blob upload is committed whole, so a reader sees the old block or the new one, never half of one. Blocks are a
/// job's scratch data: a job that loses them fails and is run again, so no stronger guarantee is needed.
/// </summary>
public sealed class AzureTrainingBlockStore : ITrainingBlockStore
{
    // Deletes of one job's blocks in flight at once.
    private const int DeleteParallelism = 16;
    private volatile bool _containerExists;

    public AzureTrainingBlockStore(AzureTrainingBlockStoreOptions options)
        : this(Validated(options), AzureStorageConnection.Parse(options.ConnectionString, options.ServiceUri).CreateBlobServiceClient())
    {
    }

    public AzureTrainingBlockStore(AzureTrainingBlockStoreOptions options, BlobServiceClient service)
    {
        ArgumentNullException.ThrowIfNull(service);
        Container = service.GetBlobContainerClient(Validated(options).ContainerName);
    }

    /// <summary>The container holding the blocks.</summary>
    public BlobContainerClient Container { get; }

    private static AzureTrainingBlockStoreOptions Validated(AzureTrainingBlockStoreOptions options) =>
        StoreOptions.Validated<AzureTrainingBlockStoreOptions, AzureTrainingBlockStoreOptionsValidator>(options);

    /// <inheritdoc />
    public async Task WriteAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var blob = Container.GetBlobClient(TrainingBlockNames.Validate(name));
        if (!_containerExists)
        {
            await Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            _containerExists = true;
        }

        await blob.UploadAsync(BinaryData.FromBytes(content), overwrite: true, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<byte[]> ReadAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            var result = await Container.GetBlobClient(TrainingBlockNames.Validate(name)).DownloadContentAsync(cancellationToken);
            return result.Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw new TrainingBlockNotFoundException(name);
        }
    }

    /// <inheritdoc />
    public async Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await Container.GetBlobClient(TrainingBlockNames.Validate(name)).ExistsAsync(cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return false; // No container yet.
        }
    }

    /// <inheritdoc />
    public async Task DeleteAllAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var folder = TrainingBlockNames.Validate(prefix) + "/";
        var names = new List<string>();
        try
        {
            await foreach (var item in Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, folder, cancellationToken))
            {
                names.Add(item.Name);
            }
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return; // No container: nothing was ever written.
        }

        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = DeleteParallelism, CancellationToken = cancellationToken }, async (blob, ct) =>
            await Container.GetBlobClient(blob).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: ct));
    }
}
