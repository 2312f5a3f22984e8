using System.CommandLine;
using RecoGrid.Storage.FileSystem.Log;

namespace RecoGrid.Cli.Commands;

/// <summary>`recogrid bench log`: this disk's raw write+fsync rate and the interaction log's group-committed append rate.</summary>
internal static class BenchLogCommand
{
    public static void AddTo(RootCommand root)
    {
        var bench = root.Subcommands.FirstOrDefault(command => command.Name == "bench");
        if (bench is null)
        {
            bench = new Command("bench", "Benchmarks that print machine-readable results.");
            root.Subcommands.Add(bench);
        }

        bench.Subcommands.Add(Create());
    }

    private static Command Create()
    {
        var directory = new Option<string>("--dir") { Description = "Folder on the disk to measure (the data folder's disk); a temporary folder under it is used and removed.", DefaultValueFactory = _ => Path.GetTempPath() };
        var seconds = new Option<double>("--seconds") { Description = "Seconds per measurement.", DefaultValueFactory = _ => 5 };
        var callers = new Option<int>("--callers") { Description = "Concurrent appenders (as HTTP requests would be).", DefaultValueFactory = _ => 64 };
        var records = new Option<int>("--records") { Description = "Records per append (events of one request in one partition).", DefaultValueFactory = _ => 100 };
        var partitions = new Option<int>("--partitions") { Description = "Log partitions the callers spread over.", DefaultValueFactory = _ => 8 };
        var command = new Command("log", "Raw write+fsync rate of one file, then group-committed appends with and without fsync; one JSON line per measurement.")
        {
            directory, seconds, callers, records, partitions,
        };
        command.SetAction(async (parse, ct) =>
        {
            var folder = Path.Combine(parse.GetValue(directory)!, "recogrid-bench-log-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
            try
            {
                await LogBenchmark.RunAsync(new LogBenchmarkSettings
                {
                    Directory = folder,
                    Duration = TimeSpan.FromSeconds(parse.GetValue(seconds)),
                    Callers = parse.GetValue(callers),
                    RecordsPerAppend = parse.GetValue(records),
                    Partitions = parse.GetValue(partitions),
                }, parse.InvocationConfiguration.Output, ct);
                return 0;
            }
            finally
            {
                Directory.Delete(folder, recursive: true);
            }
        });
        return command;
    }
}
