using Microsoft.Extensions.Options;

namespace RecoGrid.Storage;

/// <summary>The check every store makes of the options it is built with, also when it is built outside a host.</summary>
public static class StoreOptions
{
    /// <summary>Returns <paramref name="options"/>, or throws <see cref="OptionsValidationException"/> with every failure <typeparamref name="TValidator"/> finds.</summary>
    public static TOptions Validated<TOptions, TValidator>(TOptions options)
        where TOptions : class
        where TValidator : IValidateOptions<TOptions>, new()
    {
        ArgumentNullException.ThrowIfNull(options);
        var validation = new TValidator().Validate(Options.DefaultName, options);
        return validation.Failed ? throw new OptionsValidationException(Options.DefaultName, typeof(TOptions), validation.Failures) : options;
    }
}
