using System.CommandLine;
using RecoGrid.Cli.Commands;
using RecoGrid.Training.Evaluation;

namespace RecoGrid.Cli.Offline;

/// <summary>Options that choose an evaluation protocol and its cut-offs.</summary>
internal sealed class EvaluationCliOptions
{
    private static readonly EvaluationOptions Defaults = new();

    public Option<string> Protocol { get; } = new("--protocol")
    {
        Description = "strong-generalization (held-out users folded in), holdout (hidden items of every user) or time (latest interactions hidden; needs timestamps).",
        DefaultValueFactory = _ => "strong-generalization",
    };

    public Option<string> Ks { get; } = new("--k")
    {
        Description = "Comma-separated cut-offs K for recall@K, ndcg@K, map@K, hitrate@K and coverage@K.",
        DefaultValueFactory = _ => "20,50,100",
    };

    public Option<int> Seeds { get; } = new("--seeds")
    {
        Description = "Number of random splits averaged (the time split runs once).",
        DefaultValueFactory = _ => Defaults.Seeds,
    };

    public Option<int> SplitSeed { get; } = new("--split-seed")
    {
        Description = "Seed of the first split; split s uses split-seed + s.",
        DefaultValueFactory = _ => Defaults.Seed,
    };

    public Option<double> HeldOutUsers { get; } = new("--held-out-users")
    {
        Description = "Share of users held out of training (strong generalization).",
        DefaultValueFactory = _ => Defaults.HeldOutUserFraction,
    };

    public Option<double> TargetFraction { get; } = new("--target-fraction")
    {
        Description = "Share of an evaluated user's items (or of all interactions, for time) hidden as targets.",
        DefaultValueFactory = _ => Defaults.TargetFraction,
    };

    public void AddTo(Command command)
    {
        Protocol.AcceptOnlyFromAmong("strong-generalization", "holdout", "time");
        foreach (var option in new Option[] { Protocol, Ks, Seeds, SplitSeed, HeldOutUsers, TargetFraction })
        {
            command.Options.Add(option);
        }
    }

    public EvaluationOptions ToOptions(ParseResult parseResult, int threads)
    {
        var options = new EvaluationOptions
        {
            Protocol = parseResult.GetValue(Protocol) switch
            {
                "holdout" => EvaluationProtocol.RandomHoldout,
                "time" => EvaluationProtocol.TimeSplit,
                _ => EvaluationProtocol.StrongGeneralization,
            },
            Ks = BenchTrainCommand.ParseList(parseResult.GetValue(Ks)!),
            Seeds = parseResult.GetValue(Seeds),
            Seed = parseResult.GetValue(SplitSeed),
            HeldOutUserFraction = parseResult.GetValue(HeldOutUsers),
            TargetFraction = parseResult.GetValue(TargetFraction),
            Threads = threads,
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

    public static string Name(EvaluationProtocol protocol) => protocol switch
    {
        EvaluationProtocol.RandomHoldout => "holdout",
        EvaluationProtocol.TimeSplit => "time",
        _ => "strong-generalization",
    };
}
