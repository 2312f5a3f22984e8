using System.Diagnostics;
using System.Globalization;

namespace RecoGrid.LoadTest.Simulation;

/// <summary>
/// --prepare: writes a generated catalogue's interactions, trains a model on them with `recogrid train` and registers
/// and promotes it in the node's data folder (`recogrid models add --promote`), so recommendations come from the
/// model path. With --prepare-planted the model is planted factors (`recogrid generate --artifact`) instead: no
/// training, for populations too large to train on the machine at hand. Returns the id prefixes the model uses.
/// </summary>
internal static class Prepare
{
    public static async Task<(string UserPrefix, string ItemPrefix)> RunAsync(string recogridDll, string dataDir, int users, int items, long interactions, bool planted, int seed, TextWriter progress, CancellationToken cancellationToken)
    {
        var work = Path.Combine(Path.GetTempPath(), "recogrid-prepare-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var artifact = Path.Combine(work, "artifact");
            var s = (int value) => value.ToString(CultureInfo.InvariantCulture);
            if (planted)
            {
                await RecoGridAsync(recogridDll, progress, cancellationToken, "generate", "--artifact", artifact, "--users", s(users), "--items", s(items), "--seed", s(seed));
            }
            else
            {
                var csv = Path.Combine(work, "interactions.csv");
                await RecoGridAsync(recogridDll, progress, cancellationToken, "generate", "--out", csv, "--users", s(users), "--items", s(items),
                    "--interactions", interactions.ToString(CultureInfo.InvariantCulture), "--seed", s(seed));
                await RecoGridAsync(recogridDll, progress, cancellationToken, "train", "--input", csv, "--out", artifact, "--no-loss");
            }

            await RecoGridAsync(recogridDll, progress, cancellationToken, "models", "add", artifact, "--promote", "--data-dir", dataDir);
            // `generate --out` writes bare numeric ids; planted artifacts use user-N and item-N.
            return planted ? ("user-", "item-") : ("", "");
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (IOException)
            {
                // A temporary folder: left for the OS.
            }
        }
    }

    private static async Task RecoGridAsync(string dll, TextWriter progress, CancellationToken cancellationToken, params string[] args)
    {
        await progress.WriteLineAsync($"prepare: recogrid {string.Join(' ', args)}");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.GetFullPath(dll));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"recogrid {args[0]} failed ({process.ExitCode}): {await error}{await output}");
        }
    }
}
