using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace RecoGrid.Storage.FileSystem;

/// <summary>Registers <see cref="FileGrainStorage"/> as a named grain storage provider.</summary>
public static class FileGrainStorageExtensions
{
    /// <summary>Adds file-system grain storage named <paramref name="name"/>.</summary>
    public static ISiloBuilder AddFileGrainStorage(this ISiloBuilder builder, string name, Action<FileGrainStorageOptions> configure)
    {
        builder.Services.AddFileGrainStorage(name, configure);
        return builder;
    }

    /// <summary>Adds file-system grain storage named <paramref name="name"/>.</summary>
    public static IServiceCollection AddFileGrainStorage(this IServiceCollection services, string name, Action<FileGrainStorageOptions> configure)
    {
        services.AddOptions<FileGrainStorageOptions>(name).Configure(configure);
        services.AddSingleton<IValidateOptions<FileGrainStorageOptions>, FileGrainStorageOptionsValidator>();
        services.AddGrainStorage(name, (sp, providerName) =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<FileGrainStorageOptions>>().Get(providerName);
            return new FileGrainStorage(providerName, options, new OrleansGrainStorageSerializer(sp.GetRequiredService<Serializer>()));
        });
        return services;
    }
}
