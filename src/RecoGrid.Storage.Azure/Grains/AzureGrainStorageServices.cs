using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Serialization;
using Orleans.Storage;

namespace RecoGrid.Storage.Azure.Grains;

/// <summary>
/// What RecoGrid adds around Orleans' own Azure blob grain storage (<c>ProviderType = AzureBlobStorage</c>): grain state in
/// Orleans' binary format (as on the file backend) under a serializer key, and one shared blob client under a service
/// key, both named from configuration (<c>Orleans:GrainStorage:&lt;name&gt;:SerializerKey</c> / <c>ServiceKey</c>).
/// </summary>
public static class AzureGrainStorageServices
{
    /// <summary>Orleans' provider type name of its Azure blob grain storage.</summary>
    public const string ProviderType = "AzureBlobStorage";

    /// <summary>The keyed <see cref="IGrainStorageSerializer"/> that stores grain state in Orleans' binary format.</summary>
    public const string SerializerKey = "recogrid-binary";

    /// <summary>The keyed <see cref="BlobServiceClient"/> built from <c>Storage:ServiceUri</c> with DefaultAzureCredential.</summary>
    public const string ServiceKey = "recogrid-storage";

    /// <summary>Registers the binary grain-state serializer under <see cref="SerializerKey"/>.</summary>
    public static IServiceCollection AddRecoGridGrainStateSerializer(this IServiceCollection services)
    {
        services.TryAddKeyedSingleton<IGrainStorageSerializer>(SerializerKey, (sp, _) => new OrleansGrainStorageSerializer(sp.GetRequiredService<Serializer>()));
        return services;
    }

    /// <summary>Registers a blob client for <paramref name="connection"/> under <see cref="ServiceKey"/>.</summary>
    public static IServiceCollection AddRecoGridBlobServiceClient(this IServiceCollection services, AzureStorageConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        services.TryAddKeyedSingleton(ServiceKey, (_, _) => connection.CreateBlobServiceClient());
        return services;
    }
}
