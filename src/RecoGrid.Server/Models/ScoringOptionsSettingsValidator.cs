using Microsoft.Extensions.Options;
using RecoGrid.Scoring;

namespace RecoGrid.Server.Models;

/// <summary>Reports every invalid <c>Scoring</c> setting by name at start-up (the rules are the scoring engine's own).</summary>
public sealed class ScoringOptionsSettingsValidator : IValidateOptions<ScoringOptions>
{
    public ValidateOptionsResult Validate(string? name, ScoringOptions options)
    {
        var errors = ScoringOptionsValidator.Validate(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
