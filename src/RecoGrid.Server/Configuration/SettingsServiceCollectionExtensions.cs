using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace RecoGrid.Server.Configuration;

/// <summary>Registers configuration sections as RecoGrid's own, so that start-up reports keys nothing reads.</summary>
public static class SettingsServiceCollectionExtensions
{
    /// <summary>Declares <paramref name="section"/> as read by <paramref name="optionsTypes"/>.</summary>
    public static IServiceCollection AddKnownSettings(this IServiceCollection services, string section, params Type[] optionsTypes) =>
        services.AddKnownSettings(new KnownSettingsSection(section, optionsTypes));

    /// <summary>Declares a section of RecoGrid's, with keys other components read freely.</summary>
    public static IServiceCollection AddKnownSettings(this IServiceCollection services, KnownSettingsSection section)
    {
        services.AddSingleton(section);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KnownSettingsCheck>, KnownSettingsValidator>());
        services.AddOptions<KnownSettingsCheck>().ValidateOnStart();
        return services;
    }
}
