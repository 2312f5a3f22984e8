using System.CommandLine;

namespace RecoGrid.Cli.Commands;

/// <summary>The `recogrid` command tree: one executable for the server and the offline tools.</summary>
internal static class RecoGridCommands
{
    public static RootCommand Build()
    {
        var root = new RootCommand("RecoGrid: real-time recommendations on Orleans and ONNX Runtime.");
        root.Subcommands.Add(ServeCommand.Create());
        return root;
    }
}
