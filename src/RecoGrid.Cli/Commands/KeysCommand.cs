using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RecoGrid.Api;
using RecoGrid.Api.Security;
using RecoGrid.Cli.Hosting;
using RecoGrid.Server;
using Spectre.Console;

namespace RecoGrid.Cli.Commands;

/// <summary>
/// `recogrid keys create|list|revoke`: API keys of a running node's cluster, through its admin endpoint
/// (/v1/admin/keys), so every node sees the change; authenticated with an admin key (by default the local one in the
/// data folder).
/// </summary>
internal static class KeysCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Command Create()
    {
        var url = new Option<string>("--url")
        {
            Description = "Address of a running RecoGrid node.",
            DefaultValueFactory = _ => ServeSettings.DefaultUrls,
            Recursive = true,
        };
        var apiKey = new Option<string?>("--api-key")
        {
            Description = "An admin API key (default: $RECOGRID_API_KEY, else the local admin key in --data-dir).",
            Recursive = true,
        };
        var dataDir = new Option<string>("--data-dir")
        {
            Description = "The node's data folder, where the local admin key (admin.key) is.",
            DefaultValueFactory = _ => NodeOptions.DefaultDataDir,
            Recursive = true,
        };
        var command = new Command("keys", "Manage API keys: create one per client and scope set, list them, revoke them (rotate: create a new key, deploy it, revoke the old one).") { url, apiKey, dataDir };

        var client = new Option<string>("--client") { Description = "Who the key is for (a service name); several keys may share one.", Required = true };
        var scopes = new Option<string[]>("--scope")
        {
            Description = $"A scope to grant (repeatable): {string.Join(", ", Scopes.All)}.",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        scopes.AcceptOnlyFromAmong([.. Scopes.All]);
        var expires = new Option<DateTimeOffset?>("--expires") { Description = "When the key stops working (ISO 8601, e.g. 2026-01-31T00:00:00Z); never by default." };
        var create = new Command("create", "Create an API key and print it (it is shown only once; only its hash is stored).") { client, scopes, expires };
        create.SetAction(async (parse, ct) => await Run(parse, url, apiKey, dataDir, async http =>
        {
            using var response = await http.PostAsJsonAsync("/v1/admin/keys", new { client = parse.GetValue(client), scopes = parse.GetValue(scopes), expiresAt = parse.GetValue(expires) }, Json, ct);
            await EnsureSuccess(response, ct);
            var created = (await response.Content.ReadFromJsonAsync<KeysApi.CreatedKey>(Json, ct))!;
            AnsiConsole.MarkupLineInterpolated($"Created key [bold]{created.Info.KeyId}[/] for {created.Info.Client} ({string.Join(", ", created.Info.Scopes)}). Keep it secret; it is not shown again:");
            Console.WriteLine(created.Key);
        }));

        var list = new Command("list", "List API keys: id, client, scopes, created, expires, revoked.");
        list.SetAction(async (parse, ct) => await Run(parse, url, apiKey, dataDir, async http =>
        {
            using var response = await http.GetAsync("/v1/admin/keys", ct);
            await EnsureSuccess(response, ct);
            var keys = (await response.Content.ReadFromJsonAsync<KeysApi.KeyList>(Json, ct))!;
            var table = new Table().AddColumn(new TableColumn("key id").NoWrap()).AddColumns("client", "scopes", "created", "expires", "state");
            foreach (var key in keys.Keys)
            {
                table.AddRow(
                    key.KeyId, Markup.Escape(key.Client), string.Join(" ", key.Scopes),
                    key.CreatedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    key.ExpiresAt?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "never",
                    key.RevokedAt is not null ? "revoked" : key.Active ? "[green]active[/]" : "expired");
            }

            AnsiConsole.Write(table);
        }));

        var keyId = new Argument<string>("KEY_ID") { Description = "The key's id, as `recogrid keys list` shows it." };
        var revoke = new Command("revoke", "Revoke an API key; every node refuses it within Auth:KeyCacheRefresh.") { keyId };
        revoke.SetAction(async (parse, ct) => await Run(parse, url, apiKey, dataDir, async http =>
        {
            using var response = await http.DeleteAsync($"/v1/admin/keys/{Uri.EscapeDataString(parse.GetValue(keyId)!)}", ct);
            await EnsureSuccess(response, ct);
            AnsiConsole.MarkupLineInterpolated($"Revoked key [bold]{parse.GetValue(keyId)}[/].");
        }));

        command.Subcommands.Add(create);
        command.Subcommands.Add(list);
        command.Subcommands.Add(revoke);
        return command;
    }

    private static async Task<int> Run(ParseResult parse, Option<string> url, Option<string?> apiKey, Option<string> dataDir, Func<HttpClient, Task> action)
    {
        var key = parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("RECOGRID_API_KEY");
        var keyFile = AdminKeyBootstrap.PathIn(parse.GetValue(dataDir)!);
        if (string.IsNullOrWhiteSpace(key) && File.Exists(keyFile))
        {
            key = (await File.ReadAllTextAsync(keyFile)).Trim();
        }

        if (string.IsNullOrWhiteSpace(key))
        {
            await Console.Error.WriteLineAsync($"recogrid keys: no admin key: pass --api-key, set RECOGRID_API_KEY, or point --data-dir at the node's data folder (looked for {keyFile}).");
            return 2;
        }

        using var http = new HttpClient { BaseAddress = new Uri(parse.GetValue(url)!), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add(ApiKeyFormat.Header, key);
        try
        {
            await action(http);
            return 0;
        }
        catch (Exception exception) when (exception is HttpRequestException or KeysCommandException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"recogrid keys: {exception.Message}");
            return 1;
        }
    }

    private static async Task EnsureSuccess(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var detail = body;
        try
        {
            using var problem = JsonDocument.Parse(body);
            detail = problem.RootElement.TryGetProperty("detail", out var d) ? d.GetString() ?? body : body;
        }
        catch (JsonException)
        {
            // Not problem+json: show the body as it is.
        }

        throw new KeysCommandException($"{(int)response.StatusCode} {response.ReasonPhrase}: {detail}");
    }

    private sealed class KeysCommandException(string message) : Exception(message);
}
