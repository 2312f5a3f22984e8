using System.Buffers;
using System.Text;

namespace RecoGrid.Training.Data;

/// <summary>
/// Streams a delimited interaction file (<c>user,item[,value[,timestamp]]</c> by default) into an
/// <see cref="InteractionData"/>. Lines are parsed from a pooled char buffer into primitive arrays, with no
/// object per row; steps run in this order: parse, value threshold (per row), merge duplicate pairs
/// (weights summed, latest timestamp kept), then the user filter and the item filter (one pass each by default).
/// </summary>
public static class InteractionLoader
{
    private const int BufferChars = 1 << 20;
    private const long ProgressEveryBytes = 4L << 20;

    /// <summary>Loads <paramref name="path"/>; throws <see cref="InteractionFormatException"/> naming the line for malformed input.</summary>
    public static InteractionData Load(string path, InteractionLoadOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new InteractionLoadOptions();
        options.Validate();
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Interaction file '{path}' does not exist.", path);
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16);
        var parser = new InteractionLineParser(path, options);
        var total = stream.Length;
        var buffer = ArrayPool<char>.Shared.Rent(BufferChars);
        try
        {
            long lineNumber = 0;
            long nextReport = ProgressEveryBytes;
            var filled = 0;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var read = reader.Read(buffer, filled, buffer.Length - filled);
                filled += read;
                var start = 0;
                while (true)
                {
                    var newline = buffer.AsSpan(start, filled - start).IndexOf('\n');
                    if (newline < 0)
                    {
                        break;
                    }

                    parser.Accept(TrimCarriageReturn(buffer.AsSpan(start, newline)), ++lineNumber);
                    start += newline + 1;
                }

                if (read == 0)
                {
                    if (start < filled)
                    {
                        parser.Accept(TrimCarriageReturn(buffer.AsSpan(start, filled - start)), ++lineNumber);
                    }

                    break;
                }

                var remaining = filled - start;
                if (remaining == buffer.Length)
                {
                    // One line longer than the buffer: grow rather than split it.
                    var larger = ArrayPool<char>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, remaining).CopyTo(larger);
                    ArrayPool<char>.Shared.Return(buffer);
                    buffer = larger;
                }
                else if (remaining > 0)
                {
                    buffer.AsSpan(start, remaining).CopyTo(buffer);
                }

                filled = remaining;
                if (options.Progress is not null && stream.Position >= nextReport)
                {
                    options.Progress.Report(new LoadProgress(stream.Position, total, lineNumber));
                    nextReport = stream.Position + ProgressEveryBytes;
                }
            }

            parser.Finish(lineNumber);
            options.Progress?.Report(new LoadProgress(total, total, lineNumber));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(buffer);
        }

        return parser.Build(cancellationToken);
    }

    private static ReadOnlySpan<char> TrimCarriageReturn(ReadOnlySpan<char> line) =>
        line.Length > 0 && line[^1] == '\r' ? line[..^1] : line;
}
