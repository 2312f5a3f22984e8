using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using RecoGrid.Training.Models;

namespace RecoGrid.Cli.Offline;

/// <summary>iALS hyper-parameter options; values given on the command line win over a --config file, which wins over defaults.</summary>
internal sealed class IalsCliOptions
{
    private static readonly IalsOptions Defaults = new();

    public Option<int> Factors { get; } = new("--factors")
    {
        Description = "Latent dimension d of the user and item factors.",
        DefaultValueFactory = _ => Defaults.Factors,
    };

    public Option<int> Iterations { get; } = new("--iterations")
    {
        Description = "Number of ALS iterations (a user half-step then an item half-step).",
        DefaultValueFactory = _ => Defaults.Iterations,
    };

    public Option<float> Alpha { get; } = new("--alpha")
    {
        Description = "Confidence slope: an observed pair weighs 1 + alpha × value.",
        DefaultValueFactory = _ => Defaults.Alpha,
    };

    public Option<float> Lambda { get; } = new("--lambda")
    {
        Description = "L2 regularization λ.",
        DefaultValueFactory = _ => Defaults.Lambda,
    };

    public Option<float> RegExponent { get; } = new("--reg-exponent")
    {
        Description = "ν in the per-row regularization λ·(nnz + 1)^ν; 0 is plain λ.",
        DefaultValueFactory = _ => Defaults.RegularizationExponent,
    };

    public Option<string> Solver { get; } = new("--solver")
    {
        Description = "Per-row solver: cg (a few conjugate-gradient steps, fast) or cholesky (exact).",
        DefaultValueFactory = _ => "cg",
    };

    public Option<int> CgSteps { get; } = new("--cg-steps")
    {
        Description = "Conjugate-gradient steps per row and half-step (cg solver only).",
        DefaultValueFactory = _ => Defaults.CgSteps,
    };

    public Option<int> Threads { get; } = new("--threads")
    {
        Description = "Worker threads (the number of cores unless given); results do not depend on it.",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    public Option<int> Seed { get; } = new("--seed")
    {
        Description = "Seed of the factor initialization (and of any random split).",
        DefaultValueFactory = _ => Defaults.Seed,
    };

    public Option<FileInfo?> Config { get; } = new("--config")
    {
        Description = "JSON file of hyper-parameters (as written by `recogrid tune --out`); explicit options override it.",
    };

    public void AddTo(Command command, bool withConfig = true)
    {
        Solver.AcceptOnlyFromAmong("cg", "cholesky");
        foreach (var option in new Option[] { Factors, Iterations, Alpha, Lambda, RegExponent, Solver, CgSteps, Threads, Seed })
        {
            command.Options.Add(option);
        }

        if (withConfig)
        {
            command.Options.Add(Config);
        }
    }

    public IalsOptions ToOptions(ParseResult parseResult, bool computeLoss = true)
    {
        var config = ReadConfig(parseResult.GetValue(Config));
        var options = new IalsOptions
        {
            Factors = Pick(parseResult, Factors, config, "factors", n => n.GetValue<int>()),
            Iterations = Pick(parseResult, Iterations, config, "iterations", n => n.GetValue<int>()),
            Alpha = Pick(parseResult, Alpha, config, "alpha", n => n.GetValue<float>()),
            Lambda = Pick(parseResult, Lambda, config, "lambda", n => n.GetValue<float>()),
            RegularizationExponent = Pick(parseResult, RegExponent, config, "reg_exponent", n => n.GetValue<float>()),
            Solver = ParseSolver(Pick(parseResult, Solver, config, "solver", n => n.GetValue<string>())),
            CgSteps = Pick(parseResult, CgSteps, config, "cg_steps", n => n.GetValue<int>()),
            Threads = parseResult.GetValue(Threads),
            Seed = parseResult.GetValue(Seed),
            ComputeLoss = computeLoss,
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new OfflineUsageException(e.Message.Split(Environment.NewLine)[0]);
        }

        return options;
    }

    /// <summary>The hyper-parameters in the --config file format (snake_case keys named like the options).</summary>
    public static JsonObject ToJson(IalsOptions options) => options.ToJson();

    public static IalsSolver ParseSolver(string? name) => name?.ToLowerInvariant() switch
    {
        "cholesky" => IalsSolver.Cholesky,
        "cg" or "conjugategradient" or "conjugate-gradient" or null => IalsSolver.ConjugateGradient,
        _ => throw new OfflineUsageException($"Unknown solver '{name}': use cg or cholesky."),
    };

    private static T Pick<T>(ParseResult parseResult, Option<T> option, JsonObject? config, string key, Func<JsonNode, T> read)
    {
        var explicitValue = parseResult.GetResult(option) is { Implicit: false };
        if (!explicitValue && config?[key] is { } node)
        {
            try
            {
                return read(node);
            }
            catch (Exception e) when (e is FormatException or InvalidOperationException)
            {
                throw new OfflineUsageException($"--config: '{key}' has the wrong type ({node.ToJsonString()}).");
            }
        }

        return parseResult.GetValue(option)!;
    }

    private static JsonObject? ReadConfig(FileInfo? file)
    {
        if (file is null)
        {
            return null;
        }

        if (!file.Exists)
        {
            throw new OfflineUsageException($"--config: '{file.FullName}' does not exist.");
        }

        try
        {
            var node = JsonNode.Parse(File.ReadAllText(file.FullName));
            return node as JsonObject
                ?? throw new OfflineUsageException($"--config: '{file.FullName}' is not a JSON object.");
        }
        catch (JsonException e)
        {
            throw new OfflineUsageException($"--config: '{file.FullName}' is not valid JSON: {e.Message}");
        }
    }
}
