using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using RecoGrid.Cli.Offline;
using RecoGrid.Grains.Log;
using Spectre.Console;

namespace RecoGrid.Cli.Commands;

/// <summary>`recogrid log stat|export|compact`: the interaction log of a data folder (read-only except compaction; safe while a server runs).</summary>
internal static class LogCommand
{
    public static Command Create()
    {
        var dataDir = new Option<string>("--data-dir")
        {
            Description = "The data folder whose log to use (the same as `recogrid serve --data-dir`).",
            DefaultValueFactory = _ => OfflineLog.DefaultDataDir,
            Recursive = true,
        };
        var command = new Command("log", "Inspect, export and compact the interaction log: every event the API acknowledged.") { dataDir };
        command.Subcommands.Add(Stat(dataDir));
        command.Subcommands.Add(Export(dataDir));
        command.Subcommands.Add(Compact(dataDir));
        return command;
    }

    private static Command Stat(Option<string> dataDir)
    {
        var json = new Option<FileInfo?>("--json") { Description = "Also write the figures as JSON." };
        var stat = new Command("stat", "Show partitions, segments, sizes, sequence positions and erasures.") { json };
        stat.SetAction((parse, ct) => OfflineConsole.RunAsync(parse, ct, async (console, token) =>
        {
            var store = OfflineLog.Open(parse.GetValue(dataDir)!);
            var table = new Table().AddColumns("partition", "segments", "sealed", "records", "bytes", "next sequence", "recovery from", "erased users");
            var partitions = new JsonArray();
            for (var p = 0; p < store.Partitions; p++)
            {
                var segments = await store.ListSegmentsAsync(p, token);
                var positions = PartitionPositions.Parse(await store.ReadMetadataAsync(p, PartitionPositions.Name, token));
                var tombstones = TombstoneSet.Parse(await store.ReadMetadataAsync(p, TombstoneSet.Name, token));
                var next = segments.Count == 0 ? 0 : segments[^1].LastSequence + 1;
                var records = segments.Sum(s => s.RecordCount);
                var bytes = segments.Sum(s => s.Bytes);
                table.AddRow(
                    p.ToString(CultureInfo.InvariantCulture), segments.Count.ToString(CultureInfo.InvariantCulture),
                    segments.Count(s => s.IsSealed).ToString(CultureInfo.InvariantCulture), records.ToString("N0", CultureInfo.InvariantCulture),
                    RunMeasurements.Bytes(bytes), next.ToString("N0", CultureInfo.InvariantCulture),
                    positions.ReplayFrom.ToString("N0", CultureInfo.InvariantCulture), tombstones.Count.ToString(CultureInfo.InvariantCulture));
                partitions.Add(new JsonObject
                {
                    ["partition"] = p, ["segments"] = segments.Count, ["sealed"] = segments.Count(s => s.IsSealed), ["records"] = records,
                    ["bytes"] = bytes, ["next_sequence"] = next, ["replay_from"] = positions.ReplayFrom, ["erased_users"] = tombstones.Count,
                });
            }

            console.Write(table);
            if (parse.GetValue(json) is { } file)
            {
                await RunMeasurements.WriteJsonAsync(file, new JsonObject { ["root"] = store.RootDirectory, ["partitions"] = partitions }, token);
            }

            return 0;
        }));
        return stat;
    }

    private static Command Export(Option<string> dataDir)
    {
        var output = new Option<FileInfo>("--out", "-o") { Description = "File to write: tab-separated user, item, value (weight), timestamp, type, event_id, with a header.", Required = true };
        var until = new Option<DateTimeOffset?>("--until")
        {
            Description = "Only events appended at or before this time (ISO 8601, e.g. 2026-12-01T03:00:00Z): a consistent cut for retraining.",
        };
        var export = new Command("export", "Write a consistent snapshot of the acknowledged events (erased users and failed batches left out), ready for `recogrid train --input`.") { output, until };
        export.SetAction((parse, ct) => OfflineConsole.RunAsync(parse, ct, async (console, token) =>
        {
            var store = OfflineLog.Open(parse.GetValue(dataDir)!);
            var file = parse.GetValue(output)!;
            var statistics = await ExportWithProgressAsync(console, store, file.FullName, parse.GetValue(until), token);
            console.MarkupLineInterpolated(
                $"Wrote [bold]{file.FullName}[/]: {statistics.Events:N0} events from {statistics.Records:N0} records; left out {statistics.ErasedEvents:N0} erased, {statistics.InvisibleEvents:N0} of failed or undecided batches, {statistics.LaterEvents:N0} after --until.");
            return 0;
        }));
        return export;
    }

    private static Command Compact(Option<string> dataDir)
    {
        var compact = new Command("compact", "Remove erased users' events from sealed segments now (a running server also does it every Log:CompactionInterval).");
        compact.SetAction((parse, ct) => OfflineConsole.RunAsync(parse, ct, async (console, token) =>
        {
            var store = OfflineLog.Open(parse.GetValue(dataDir)!);
            long erased = 0;
            var segments = 0;
            for (var p = 0; p < store.Partitions; p++)
            {
                var positions = PartitionPositions.Parse(await store.ReadMetadataAsync(p, PartitionPositions.Name, token));
                var tombstones = TombstoneSet.Parse(await store.ReadMetadataAsync(p, TombstoneSet.Name, token));
                foreach (var result in await LogCompactor.CompactAsync(store, p, tombstones, positions.ReplayFrom, cancellationToken: token))
                {
                    erased += result.ErasedEvents;
                    segments++;
                }
            }

            console.MarkupLineInterpolated($"Compacted {segments} sealed segments: {erased:N0} erased events removed. Events still in active segments go when those are sealed (Log:SegmentMaxAge).");
            return 0;
        }));
        return compact;
    }

    /// <summary>Exports with a spinner that counts events; shared with `train --from-log`.</summary>
    internal static async Task<Server.Ingestion.LogSnapshotStatistics> ExportWithProgressAsync(IAnsiConsole console, Storage.FileSystem.Log.FileInteractionLogStore store, string path, DateTimeOffset? until, CancellationToken ct)
    {
        Server.Ingestion.LogSnapshotStatistics? statistics = null;
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new SpinnerColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask("Reading the log").IsIndeterminate();
                statistics = await OfflineLog.ExportAsync(store, path, until, written => task.Description = $"Reading the log: {written:N0} events", ct);
                task.StopTask();
            });
        return statistics!;
    }
}
