using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace RecoGrid.Storage.FileSystem;

/// <summary>Registers <see cref="FileGrainStorage"/> as a named grain storage provider.</summary>
public static class FileGrainStorageExtensions
{
    /// <summary>The provider type name configuration uses: <c>Orleans:GrainStorage:&lt;name&gt;:ProviderType = File</c>.</summary>
    public const string ProviderType = "File";

    /// <summary>Adds file-system grain storage named <paramref name="name"/>.</summary>
    public static ISiloBuilder AddFileGrainStorage(this ISiloBuilder builder, string name, Action<FileGrainStorageOptions> configure) =>
        builder.AddFileGrainStorage(name, optionsBuilder => optionsBuilder.Configure(configure));

    /// <summary>Adds file-system grain storage named <paramref name="name"/>, configured through an options builder.</summary>
    public static ISiloBuilder AddFileGrainStorage(this ISiloBuilder builder, string name, Action<OptionsBuilder<FileGrainStorageOptions>> configureOptions)
    {
        builder.Services.AddFileGrainStorage(name, configureOptions);
        return builder;
    }

    /// <summary>Adds file-system grain storage named <paramref name="name"/>, configured through an options builder.</summary>
    public static IServiceCollection AddFileGrainStorage(this IServiceCollection services, string name, Action<OptionsBuilder<FileGrainStorageOptions>> configureOptions)
    {
        configureOptions(services.AddOptions<FileGrainStorageOptions>(name));
        services.AddTransient<IConfigurationValidator>(sp =>
            new FileGrainStorageOptionsValidator(sp.GetRequiredService<IOptionsMonitor<FileGrainStorageOptions>>().Get(name), name));
        services.AddGrainStorage(name, (sp, providerName) =>
        {
            var options = sp.GetRequiredService<IOptionsMonitor<FileGrainStorageOptions>>().Get(providerName);
            ThreadPool.GetMinThreads(out var workers, out var completion);
            ThreadPool.SetMinThreads(Math.Max(workers, options.IoThreads), Math.Max(completion, options.IoThreads));
            return new FileGrainStorage(providerName, options, new OrleansGrainStorageSerializer(sp.GetRequiredService<Serializer>()));
        });
        return services;
    }
}
