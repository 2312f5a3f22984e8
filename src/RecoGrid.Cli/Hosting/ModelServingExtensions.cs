using Microsoft.Extensions.Options;
using RecoGrid.Cli.Models;
using RecoGrid.Grains;
using RecoGrid.Grains.Models;
using RecoGrid.Grains.Scoring;
using RecoGrid.Scoring;
using RecoGrid.Scoring.Hosting;
using RecoGrid.Storage.Models;

namespace RecoGrid.Cli.Hosting;

/// <summary>Wires model serving: the registry, the promoted model for fold-in, and on scoring roles the ONNX engine.</summary>
public static class ModelServingExtensions
{
    public static IServiceCollection AddRecoGridModels(this IServiceCollection services, string role, string dataDir)
    {
        services.AddSingleton<IModelRegistry>(new FileModelRegistry(Path.Combine(dataDir, "models")));
        services.AddOptions<ModelServingOptions>().BindConfiguration(ModelServingOptions.Section)
            .Validate(o => o.PollInterval > TimeSpan.Zero, "Models:PollInterval must be positive.");
        services.AddSingleton<ActiveModelHolder>();
        services.AddSingleton<IActiveModelSource>(sp => sp.GetRequiredService<ActiveModelHolder>());
        services.AddRecoGridModelPath();
        services.AddSingleton<ModelWatcher>();

        if (NodeRoles.ServesScoring(role))
        {
            services.AddOptions<ScoringOptions>().BindConfiguration(ScoringOptions.SectionName)
                .ValidateOnStart();
            services.AddSingleton<IValidateOptions<ScoringOptions>, ScoringSettingsValidator>();
            services.AddSingleton(sp =>
            {
                var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("RecoGrid.Scoring");
                return new ScoringEngine(sp.GetRequiredService<IOptions<ScoringOptions>>().Value, TimeProvider.System, warning => logger.LogWarning("{Warning}", warning));
            });
            services.AddSingleton<ScoringBackend>();
            services.AddSingleton<IScoringBackend>(sp => sp.GetRequiredService<ScoringBackend>());
            services.AddHostedService<ScoringStartupCheck>();
        }

        // After the scoring check, so a misconfigured execution provider stops start-up before models load.
        services.AddHostedService(sp => sp.GetRequiredService<ModelWatcher>());
        return services;
    }
}

/// <summary>Reports every invalid Scoring setting by name at start-up.</summary>
internal sealed class ScoringSettingsValidator : IValidateOptions<ScoringOptions>
{
    public ValidateOptionsResult Validate(string? name, ScoringOptions options)
    {
        var errors = ScoringOptionsValidator.Validate(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
