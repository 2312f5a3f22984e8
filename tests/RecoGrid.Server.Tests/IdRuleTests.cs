using RecoGrid.Server.Events;

namespace RecoGrid.Server.Tests;

/// <summary>One rule for user, item and event ids: printable, no '/', not '.' or '..', 1..256 characters in NFC.</summary>
public sealed class IdRuleTests
{
    [Theory]
    [InlineData("alice")]
    [InlineData("user 42")]
    [InlineData("a.b")]
    [InlineData("...")]
    [InlineData("~x")]
    [InlineData("ß€😀")]
    [InlineData("%2F")]
    public void OrdinaryIdsAreAccepted(string id) => Assert.Null(Ids.Check(id));

    [Theory]
    [InlineData("a/b", "'/'")]
    [InlineData("/", "'/'")]
    [InlineData(".", "'.' or '..'")]
    [InlineData("..", "'.' or '..'")]
    [InlineData("", "1 to 256")]
    [InlineData("   ", "whitespace")]
    [InlineData("a\u0000b", "control")]
    [InlineData("a\nb", "control")]
    [InlineData("a\u200Bb", "format")]
    [InlineData("a\u200Db", "format")]
    [InlineData("\uFEFFalice", "format")]
    [InlineData("alice\u202E", "format")]
    public void IdsThatCannotBeAddressedOrLookAlikeAreRejectedWithTheReason(string id, string reason)
    {
        Assert.Contains(reason, Ids.Check(id), StringComparison.Ordinal);
    }

    [Fact]
    public void UnpairedSurrogatesAreRejected()
    {
        // Built in code: attribute data would turn a lone surrogate into U+FFFD.
        Assert.Contains("surrogate", Ids.Check("a" + '\uD800' + "b"), StringComparison.Ordinal);
        Assert.Contains("surrogate", Ids.Check("a" + '\uDC00'), StringComparison.Ordinal);
        Assert.Null(Ids.Check("a" + '\uD83D' + '\uDE00'));
    }

    [Fact]
    public void TheLengthLimitCountsCharactersAfterNfcNormalization()
    {
        var decomposed = string.Concat(Enumerable.Repeat("e\u0301", 256));
        Assert.Equal(512, decomposed.Length);
        Assert.Null(Ids.Check(decomposed));
        Assert.Equal(new string('\u00e9', 256), Ids.Normalize(decomposed));
        Assert.NotNull(Ids.Check(new string('x', 257)));
    }

    [Fact]
    public void EventIdsFollowTheSameCharacterRulesUpTo128Characters()
    {
        Assert.Null(Ids.Check(new string('e', 128), EventRules.MaxEventIdLength));
        Assert.NotNull(Ids.Check(new string('e', 129), EventRules.MaxEventIdLength));
        Assert.NotNull(Ids.Check("e/1", EventRules.MaxEventIdLength));
    }

    [Fact]
    public void CategoriesMayContainSlashesButNotFormatCharacters()
    {
        Assert.Null(Ids.CheckLabel("home/kitchen"));
        Assert.NotNull(Ids.CheckLabel("home\u200B"));
    }

    [Theory]
    [InlineData("a/b", "YS9i")]
    [InlineData("..", "Li4")]
    [InlineData("x\u200By", "eOKAi3k")]
    public void TheEscapedFormIsTheBase64UrlOfTheUtf8Bytes(string id, string encoded)
    {
        Assert.True(Ids.TryDecodeBase64Url(encoded, out var decoded, out _));
        Assert.Equal(id, decoded);
    }

    [Theory]
    [InlineData("")]
    [InlineData("***")]
    [InlineData("_w")]
    public void AMalformedEscapedFormIsRejected(string encoded) => Assert.False(Ids.TryDecodeBase64Url(encoded, out _, out _));
}
