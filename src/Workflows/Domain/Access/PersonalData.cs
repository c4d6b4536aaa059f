namespace AntiDrugFlow.Workflows.Access;

/// <summary>Encrypts a minor's personal data (name, school class) before it is stored; decrypts it for the case's own team.</summary>
public interface IPersonalDataProtector
{
    string Protect(string plainText);

    string Unprotect(string protectedText);
}

/// <summary>How a name shows to anyone outside the case's team: the family name, then ○ for each other character (王小明 → 王○○).</summary>
public static class NameMask
{
    public static string Mask(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return string.Empty;
        }

        var trimmed = name.Trim();
        var elements = System.Globalization.StringInfo.GetTextElementEnumerator(trimmed);
        var count = 0;
        var first = string.Empty;
        while (elements.MoveNext())
        {
            if (count == 0)
            {
                first = elements.GetTextElement();
            }

            count++;
        }

        return first + new string('○', Math.Max(count - 1, 2));
    }
}
