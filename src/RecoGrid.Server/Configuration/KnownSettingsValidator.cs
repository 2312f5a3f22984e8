using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace RecoGrid.Server.Configuration;

/// <summary>Marker options whose start-up validation reports unknown keys under RecoGrid's sections.</summary>
public sealed class KnownSettingsCheck;

/// <summary>Fails start-up when a key under one of RecoGrid's sections is not a known setting.</summary>
public sealed class KnownSettingsValidator(IConfiguration configuration, IEnumerable<KnownSettingsSection> sections) : IValidateOptions<KnownSettingsCheck>
{
    public ValidateOptionsResult Validate(string? name, KnownSettingsCheck options)
    {
        var problems = UnknownSettings.Find(configuration, sections);
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }
}
