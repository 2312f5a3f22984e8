using System.CommandLine;

namespace RecoGrid.Cli.Commands;

/// <summary>The `recogrid` command tree: one executable for the server and the offline tools.</summary>
internal static class RecoGridCommands
{
    public static RootCommand Build()
    {
        var root = new RootCommand("RecoGrid: real-time recommendations on Orleans and ONNX Runtime.");
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(ModelsCommand.Create());
        root.Subcommands.Add(LogCommand.Create());
        root.Subcommands.Add(KeysCommand.Create());
        BenchScoringCommand.AddTo(root);
        BenchLogCommand.AddTo(root);
        BenchHistoryCommand.AddTo(root);
        BenchRetrievalCommand.AddTo(root);
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(RetrainCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        BenchTrainCommand.AddTo(root);
        BenchTrainClusterCommand.AddTo(root);
        BenchRetrainCommand.AddTo(root);
        root.Subcommands.Add(EvaluateCommand.Create());
        root.Subcommands.Add(TuneCommand.Create());
        return root;
    }
}
