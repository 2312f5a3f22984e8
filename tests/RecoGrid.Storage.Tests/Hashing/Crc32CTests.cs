using System.Text;
using RecoGrid.Storage.Hashing;

namespace RecoGrid.Storage.Tests.Hashing;

public sealed class Crc32CTests
{
    [Fact]
    public void TheCheckValueOfTheDigitsOneToNineIsE3069283()
    {
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));
        Assert.Equal(0xE3069283u, Crc32C.ComputeWithTable("123456789"u8));
    }

    [Fact]
    public void TheRfc3720TestVectorsMatch()
    {
        var zeros = new byte[32];
        var ones = Enumerable.Repeat((byte)0xFF, 32).ToArray();
        var ascending = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        var descending = Enumerable.Range(0, 32).Select(i => (byte)(31 - i)).ToArray();

        Assert.Equal(0x8A9136AAu, Crc32C.Compute(zeros));
        Assert.Equal(0x62A8AB43u, Crc32C.Compute(ones));
        Assert.Equal(0x46DD794Eu, Crc32C.Compute(ascending));
        Assert.Equal(0x113FDB5Cu, Crc32C.Compute(descending));
    }

    [Fact]
    public void TheChecksumOfNothingIsZero() => Assert.Equal(0u, Crc32C.Compute([]));

    [Fact]
    public void AppendingPiecesGivesTheChecksumOfTheWhole()
    {
        var data = Encoding.UTF8.GetBytes("The quick brown fox jumps over the lazy dog, and then some more bytes.");
        var whole = Crc32C.Compute(data);
        for (var split = 0; split <= data.Length; split++)
        {
            Assert.Equal(whole, Crc32C.Append(Crc32C.Compute(data.AsSpan(0, split)), data.AsSpan(split)));
        }
    }

    [Fact]
    public void TheHardwarePathAgreesWithTheTableForEveryLengthAndAlignment()
    {
        var random = new Random(42);
        var data = new byte[300];
        random.NextBytes(data);
        for (var start = 0; start < 9; start++)
        {
            for (var length = 0; length + start <= data.Length; length += 7)
            {
                var span = data.AsSpan(start, length);
                Assert.Equal(Crc32C.ComputeWithTable(span), Crc32C.Compute(span));
            }
        }
    }
}
