using System.CommandLine;
using RecoGrid.Cli.Hosting;
using RecoGrid.Grains.Scoring;
using RecoGrid.Server;

namespace RecoGrid.Cli.Commands;

/// <summary>`recogrid serve`: runs a silo with the HTTP API.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls")
        {
            Description = "Addresses the HTTP API listens on, separated by ';'.",
            DefaultValueFactory = _ => ServeSettings.DefaultUrls,
        };
        var dataDir = new Option<string>("--data-dir")
        {
            Description = "Folder for durable state (grain state, models) on the embedded single-node default.",
            DefaultValueFactory = _ => NodeOptions.DefaultDataDir,
        };
        var role = new Option<string>("--role")
        {
            Description = "What this node does: all (default: API, scoring and training), api, scoring or training.",
            DefaultValueFactory = _ => NodeRole.All.Name,
        };
        role.AcceptOnlyFromAmong([.. NodeRole.Known.Select(r => r.Name)]);
        var config = new Option<string?>("--config")
        {
            Description = "A JSON configuration file layered over appsettings.json (RECOGRID__ environment variables override both).",
        };
        var set = new Option<string[]>("--set")
        {
            Description = "Override one setting, as Section:Key=value (repeatable), e.g. --set Popularity:HalfLife=1.00:00:00.",
            AllowMultipleArgumentsPerToken = false,
        };

        var command = new Command("serve", "Run a RecoGrid node: an Orleans silo with the HTTP API, on the embedded single-node default unless configured otherwise.")
        {
            urls, dataDir, role, config, set,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in parseResult.GetValue(set) ?? [])
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    await Console.Error.WriteLineAsync($"--set '{pair}' is not of the form Section:Key=value.");
                    return 2;
                }

                overrides[pair[..equals]] = pair[(equals + 1)..];
            }

            var settings = new ServeSettings
            {
                Urls = parseResult.GetValue(urls)!,
                DataDir = parseResult.GetValue(dataDir)!,
                Role = NodeRole.Parse(parseResult.GetValue(role)!),
                ConfigFile = parseResult.GetValue(config),
                Overrides = overrides,
            };

            try
            {
                await using var app = ServeHost.Build(settings);
                await app.RunAsync(cancellationToken);
                return 0;
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException exception)
            {
                await Console.Error.WriteLineAsync($"recogrid serve: invalid configuration: {string.Join(" ", exception.Failures)}");
                return 2;
            }
            catch (RecoGrid.Scoring.ExecutionProviderUnavailableException exception)
            {
                await Console.Error.WriteLineAsync($"recogrid serve: {exception.Message}");
                return 3;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
            {
                // The host has logged the details; say in one line why the node did not start.
                await Console.Error.WriteLineAsync($"recogrid serve: could not start: {exception.Message}");
                return 1;
            }
        });
        return command;
    }
}
