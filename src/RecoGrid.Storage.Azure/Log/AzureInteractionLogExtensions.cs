using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RecoGrid.Storage.Log;

namespace RecoGrid.Storage.Azure.Log;

/// <summary>Registers <see cref="AzureInteractionLogStore"/> as the <see cref="IInteractionLogStore"/>.</summary>
public static class AzureInteractionLogExtensions
{
    /// <summary>
    /// Adds the blob interaction log, its options (validated on start) and their validator; chain
    /// <c>.BindConfiguration(AzureInteractionLogOptions.SectionName)</c> or <c>.Configure(...)</c> on the result to set them.
    /// </summary>
    public static OptionsBuilder<AzureInteractionLogOptions> AddAzureInteractionLog(this IServiceCollection services)
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AzureInteractionLogOptions>, AzureInteractionLogOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new AzureInteractionLogStore(
            sp.GetRequiredService<IOptions<AzureInteractionLogOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetService<ILogger<AzureInteractionLogStore>>()));
        services.TryAddSingleton<IInteractionLogStore>(sp => sp.GetRequiredService<AzureInteractionLogStore>());
        return services.AddOptions<AzureInteractionLogOptions>().ValidateOnStart();
    }
}
