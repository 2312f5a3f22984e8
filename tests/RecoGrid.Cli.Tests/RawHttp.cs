using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace RecoGrid.Cli.Tests;

/// <summary>Requests written byte by byte on a raw socket, for what HttpClient will not send (bad chunking, short or stalled bodies).</summary>
public static class RawHttp
{
    /// <summary>
    /// Sends <paramref name="head"/> and the body <paramref name="parts"/> (waiting <paramref name="pause"/> between
    /// them), optionally half-closes, and returns the status code of the answer (0 when the server closed without one).
    /// </summary>
    public static async Task<int> SendAsync(int port, string head, IReadOnlyList<byte[]> parts, TimeSpan pause = default, bool halfClose = false, TimeSpan? within = null)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        using var deadline = new CancellationTokenSource(within ?? TimeSpan.FromSeconds(30));
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head), deadline.Token);
            foreach (var part in parts)
            {
                if (pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause, deadline.Token);
                }

                await stream.WriteAsync(part, deadline.Token);
            }

            if (halfClose)
            {
                client.Client.Shutdown(SocketShutdown.Send);
            }
        }
        catch (IOException)
        {
            // The server may answer and close before the whole request is written.
        }

        return await ReadStatusAsync(stream, deadline.Token);
    }

    /// <summary>The head of a request with the given headers and a Connection: close.</summary>
    public static string Head(string method, string path, string? apiKey, params string[] headers)
    {
        var text = new StringBuilder($"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
        if (apiKey is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"X-Api-Key: {apiKey}\r\n");
        }

        foreach (var header in headers)
        {
            text.Append(header).Append("\r\n");
        }

        return text.Append("\r\n").ToString();
    }

    private static async Task<int> ReadStatusAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[512];
        var read = 0;
        try
        {
            while (read < 12)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }
        }
        catch (IOException)
        {
            // Reset after (or instead of) an answer.
        }

        var line = Encoding.ASCII.GetString(buffer, 0, read);
        return line.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && read >= 12 ? int.Parse(line.AsSpan(9, 3), CultureInfo.InvariantCulture) : 0;
    }
}
