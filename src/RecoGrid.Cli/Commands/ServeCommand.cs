using System.CommandLine;

namespace RecoGrid.Cli.Commands;

/// <summary>`recogrid serve`: runs a silo with the HTTP API.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "Run a RecoGrid node: an Orleans silo with the HTTP API.");
        command.SetAction((parseResult, cancellationToken) => Task.FromResult(0));
        return command;
    }
}
