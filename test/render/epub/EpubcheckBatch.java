/** EPUBCheck over many files in one JVM (start-up and JIT warm-up paid once). Run as a Java source file. */
import com.adobe.epubcheck.api.EpubCheck;
import java.io.File;

public class EpubcheckBatch {
  public static void main(String[] args) {
    for (String file : args) {
      System.err.println("BEGIN " + file);
      int result = new EpubCheck(new File(file)).doValidate();
      System.err.println("END " + file + " " + result);
    }
  }
}
