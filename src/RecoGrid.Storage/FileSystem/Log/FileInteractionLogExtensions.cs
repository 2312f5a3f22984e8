using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RecoGrid.Storage.Log;

namespace RecoGrid.Storage.FileSystem.Log;

/// <summary>Registers <see cref="FileInteractionLogStore"/> as the <see cref="IInteractionLogStore"/>.</summary>
public static class FileInteractionLogExtensions
{
    /// <summary>
    /// Adds the file-system interaction log, its options (validated on start) and their validator; chain
    /// <c>.BindConfiguration(FileInteractionLogOptions.SectionName)</c> or <c>.Configure(...)</c> on the result to set them.
    /// </summary>
    public static OptionsBuilder<FileInteractionLogOptions> AddFileInteractionLog(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<FileInteractionLogOptions>, FileInteractionLogOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new FileInteractionLogStore(
            sp.GetRequiredService<IOptions<FileInteractionLogOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<FileInteractionLogStore>>()));
        services.TryAddSingleton<IInteractionLogStore>(sp => sp.GetRequiredService<FileInteractionLogStore>());
        return services.AddOptions<FileInteractionLogOptions>().ValidateOnStart();
    }
}
